/**
 * The source stack's update history, as `pulumi stack history --json` prints it: a promotion only moves what the
 * source stack has run successfully.
 */
import { execFileSync } from "child_process";

/** One entry of `pulumi stack history --json` (newest first); only the fields read here. */
export interface HistoryEntry {
    readonly kind?: string;
    readonly result?: string;
    readonly version?: number;
    readonly startTime?: string;
    readonly message?: string;
}

/** Returns a stack's history, newest first. Injected, so that tests run on fixtures without the engine. */
export type HistoryReader = (stack: string) => unknown;

/**
 * Reads the history through the Pulumi CLI, from the backend it is logged in to (PULUMI_BACKEND_URL). It runs in the
 * project folder: a self-managed backend keeps stacks per project.
 */
export function pulumiHistoryReader(projectDir: string): HistoryReader {
    return (stack) => {
        const output = execFileSync("pulumi", ["stack", "history", "--json", "--stack", stack], {
            cwd: projectDir,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        return JSON.parse(output) as unknown;
    };
}

/**
 * Why the history does not show a successful last update of `stack`, or undefined when it does. The last update is
 * the newest entry of kind "update" (a `pulumi up`); refreshes and the like do not apply a configuration.
 */
export function lastUpdateRefusal(stack: string, history: unknown): string | undefined {
    if (!Array.isArray(history)) {
        return `the history of stack ${stack} is not a list of updates (pulumi stack history --json). Fix: check the Pulumi CLI and backend`;
    }
    const entries = history as HistoryEntry[];
    const last = entries.find((entry) => entry !== null && typeof entry === "object" && (entry.kind ?? "update") === "update");
    if (last === undefined) {
        return `stack ${stack} has no update yet, so nothing proves its configuration. Fix: run pulumi up on ${stack} first`;
    }
    if (last.result !== "succeeded") {
        const which = last.version !== undefined ? `update #${last.version}` : "the last update";
        const when = last.startTime !== undefined ? ` (started ${last.startTime})` : "";
        return (
            `${which} of stack ${stack}${when} ended "${last.result ?? "unknown"}", not "succeeded". ` +
            `Fix: make pulumi up succeed on ${stack} before promoting from it`
        );
    }
    return undefined;
}
