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
 * Why a promotion from `from` to `to` can never happen, or undefined when it is a forward move: going backwards, to the
 * same stack or to an unknown stack is never a promotion, with --force neither.
 */
export function routeRefusal(from: string, to: string): string | undefined {
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
    return undefined;
}

/** The stages between two stages, in order (dev -> prod skips staging). */
export function skippedStages(from: Stage, to: Stage): Stage[] {
    return STAGES.slice(STAGES.indexOf(from) + 1, STAGES.indexOf(to));
}

/** Why a forward move skips a stage, or undefined when it does not; --force goes past it, and is recorded. */
export function skipFinding(from: Stage, to: Stage): string | undefined {
    const skipped = skippedStages(from, to);
    if (skipped.length === 0) {
        return undefined;
    }
    return (
        `${from} -> ${to} skips ${skipped.join(", ")}, where the change has not been proven. ` +
        `Fix: promote ${from} -> ${skipped[0]} first, or pass --force to skip on purpose`
    );
}
