/**
 * The order in which a change reaches the stacks, and the rule that a promotion moves one stage at a time.
 */

/** The stacks in promotion order: a change is proven in each before it reaches the next. */
export const STAGES = ["dev", "staging", "prod"] as const;
export type Stage = (typeof STAGES)[number];

export function isStage(name: string): name is Stage {
    return (STAGES as readonly string[]).includes(name);
}

/**
 * Why a promotion from `from` to `to` is refused, or undefined when it may go ahead. Skipping a stage (dev -> prod)
 * needs `force`; going backwards or to the same stack is never a promotion.
 */
export function routeRefusal(from: string, to: string, force: boolean): string | undefined {
    const order = STAGES.join(" -> ");
    for (const name of [from, to]) {
        if (!isStage(name)) {
            return `unknown stack "${name}": promotions run between the stacks ${order}. Fix: name two of those`;
        }
    }
    const step = STAGES.indexOf(to as Stage) - STAGES.indexOf(from as Stage);
    if (step <= 0) {
        return (
            `${from} -> ${to} goes ${step === 0 ? "nowhere" : "backwards"}: a promotion moves forward along ${order}. ` +
            `Fix: to roll ${to} back, revert its stack file's change in version control`
        );
    }
    if (step > 1 && !force) {
        const skipped = STAGES.slice(STAGES.indexOf(from as Stage) + 1, STAGES.indexOf(to as Stage));
        return (
            `${from} -> ${to} skips ${skipped.join(", ")}, where the change has not been proven. ` +
            `Fix: promote ${from} -> ${skipped[0]} first, or pass --force to skip on purpose`
        );
    }
    return undefined;
}
