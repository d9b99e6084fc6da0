/**
 * The canary upgrade runbook of the README as the end-to-end suites walk it (canary.e2e for sidecars, ambientCanary.e2e
 * for ambient mode): the two releases, the `istio` section of each step, and one step as the runbook takes it (edit
 * the stack file, preview, up), with what its preview planned and the order in which its up ran.
 *
 * Both releases are supported lines (1.29 is past its end of life and refused as a stack's only release). Set
 * ISTIO_E2E_FROM_VERSION and ISTIO_E2E_VERSION for other releases; their charts must be in ISTIO_CHARTS_DIR, with
 * `{version}` in the path.
 */
import * as fs from "fs";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { changes, E2eWorkspace, Step, TimelineEntry } from "./workspace";

export const from = process.env.ISTIO_E2E_FROM_VERSION ?? "1.30.3";
export const to = process.env.ISTIO_E2E_VERSION ?? "1.31.0";
export const oldRevision = revisionOf(from);
export const newRevision = revisionOf(to);

function revisionOf(version: string): string {
    return version.replace(/[^a-z0-9]+/g, "-");
}

/** Why a runbook suite cannot run here (no charts of both releases, no cluster); undefined when it can. */
export function runbookSkipReason(): string | undefined {
    const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
    if (!chartsDirectory?.includes("{version}")) {
        return `it needs ${CHARTS_DIRECTORY_ENV} with {version} in the path (charts of ${from} and ${to})`;
    }
    const missing = [from, to].filter((version) => !fs.existsSync(chartsDirectory.replace("{version}", version)));
    if (missing.length > 0) {
        return `no charts for ${missing.join(", ")} in ${chartsDirectory} (ISTIO_E2E_FROM_VERSION and ISTIO_E2E_VERSION pick the releases)`;
    }
    return process.env.KUBECONFIG ? undefined : "KUBECONFIG is not set";
}

/** The runbook's five steps, numbered as in the README. */
export type RunbookStep = 1 | 2 | 3 | 4 | 5;

/**
 * The `istio` section of a step: 1 the old release alone; 2 and 3 both revisions, the default tag on the old one and
 * `canary` on the new one; 4 the default tag moved to the new revision; 5 the old revision removed.
 */
export function istioAt(step: RunbookStep): Record<string, unknown> {
    const both = [{ version: from }, { version: to }];
    switch (step) {
        case 1:
            return { version: from };
        case 2:
        case 3:
            return { revisions: both, tags: { default: oldRevision, canary: newRevision } };
        case 4:
            return { revisions: both, tags: { default: newRevision, canary: newRevision } };
        case 5:
            return { revisions: [{ version: to }], tags: { default: newRevision, canary: newRevision } };
    }
}

/** Whether the runbook's namespace is on the canary tag at a step (from step 3 on). */
export function onCanary(step: RunbookStep): boolean {
    return step >= 3;
}

/**
 * What a preview changes, as "op name" lines. Pulumi hands the dynamic provider (the intermediate CA's signer) the
 * whole stack configuration, so every configuration edit also updates that provider's configuration; it changes no
 * resource and is left out here.
 */
export function summary(steps: readonly Step[]): string[] {
    return changes(steps)
        .filter((step) => step.type !== "pulumi:providers:pulumi-nodejs")
        .map((step) => `${step.op} ${step.name}`);
}

/** One step done: what its preview planned, and its up's timeline. */
export interface RunbookResult {
    readonly planned: string[];
    readonly timeline: readonly TimelineEntry[];
}

/** Takes one step: writes the stack file, previews (printing the plan), then ups; the up must succeed. */
export async function takeStep(workspace: E2eWorkspace, mesh: Record<string, unknown>): Promise<RunbookResult> {
    workspace.configure(mesh);
    const planned = summary(await workspace.preview());
    console.log(`preview:\n  ${planned.join("\n  ")}`);
    const { result, timeline } = await workspace.up();
    expect(result.summary.result).toBe("succeeded");
    return { planned, timeline };
}
