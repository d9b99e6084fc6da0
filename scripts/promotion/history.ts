/**
 * A stack's update history, as `pulumi stack history --json` prints it: what the stack's updates ran. The backend
 * records with every update the configuration it ran with, so the history says which pins a stack runs, not what its
 * stack file says today.
 */
import { runPulumi } from "./pulumiCli";
import { STACK_MESH_KEY } from "./pins";

/** A configuration value as the history prints it: `value` (JSON text for objects), `objectValue` for objects. */
export interface HistoryConfigValue {
    readonly value?: string;
    readonly objectValue?: unknown;
    readonly secret?: boolean;
}

/** One entry of `pulumi stack history --json` (newest first); only the fields read here. */
export interface HistoryEntry {
    readonly kind?: string;
    readonly result?: string;
    readonly version?: number;
    readonly startTime?: string;
    readonly message?: string;
    readonly config?: Readonly<Record<string, HistoryConfigValue>>;
    /** Where the update ran from, e.g. `git.head` (the commit). */
    readonly environment?: Readonly<Record<string, string>>;
}

/** Returns a stack's history, newest first. Injected, so that tests run on fixtures without the engine. */
export type HistoryReader = (stack: string) => unknown;

/**
 * How many entries are read: the newest update is among them unless a stack had this many refreshes since
 * (previews, the scheduled checks' included, are not recorded).
 */
export const HISTORY_PAGE_SIZE = 50;

/** Reads the history through the Pulumi CLI, from the backend the project's commands use. */
export function pulumiHistoryReader(projectDir: string): HistoryReader {
    return (stack) =>
        JSON.parse(runPulumi(projectDir, ["stack", "history", "--json", "--page-size", String(HISTORY_PAGE_SIZE), "--stack", stack])) as unknown;
}

/** The kinds of entry that apply a configuration to the cluster; refreshes and imports of state do not. */
const APPLYING_KINDS = ["update", "destroy"];

/** The last update of a stack, or why there is none that counts. */
export type LastUpdate = { readonly entry: HistoryEntry; readonly refusal?: undefined } | { readonly entry?: undefined; readonly refusal: string };

/**
 * "update #14 of stack dev (started 2026-01-10T10:00:00Z)"; `noun` names what the entry was. Self-managed (diy)
 * backends number every update 0, so only a positive number is shown; the start time tells updates apart.
 */
export function describeUpdate(stack: string, entry: HistoryEntry, noun = "update"): string {
    if (entry.version !== undefined && entry.version > 0) {
        return `${noun} #${entry.version} of stack ${stack}${entry.startTime !== undefined ? ` (started ${entry.startTime})` : ""}`;
    }
    return `the ${noun} of stack ${stack}${entry.startTime !== undefined ? ` started ${entry.startTime}` : ""}`;
}

/**
 * The newest entry that applied a configuration (a `pulumi up`, or a destroy), when it succeeded and was an up;
 * otherwise why it does not prove anything.
 */
export function lastUpdate(stack: string, history: unknown): LastUpdate {
    if (!Array.isArray(history)) {
        return { refusal: `the history of stack ${stack} is not a list of updates (pulumi stack history --json). Fix: check the Pulumi CLI and backend` };
    }
    const entries = history as HistoryEntry[];
    const last = entries.find(
        (entry) => entry !== null && typeof entry === "object" && APPLYING_KINDS.includes(entry.kind ?? "update"),
    );
    if (last === undefined) {
        return { refusal: `stack ${stack} has no update yet, so nothing proves its configuration. Fix: run pulumi up on ${stack} first` };
    }
    if ((last.kind ?? "update") === "destroy") {
        return { refusal: `${describeUpdate(stack, last, "operation")} destroyed it. Fix: run pulumi up on ${stack} first` };
    }
    if (last.result !== "succeeded") {
        return {
            refusal:
                `${describeUpdate(stack, last)} ended "${last.result ?? "unknown"}", not "succeeded". ` +
                `Fix: make pulumi up succeed on ${stack} before promoting from it`,
        };
    }
    return { entry: last };
}

/** Why the history does not show a successful last update of `stack`, or undefined when it does. */
export function lastUpdateRefusal(stack: string, history: unknown): string | undefined {
    return lastUpdate(stack, history).refusal;
}

/**
 * The mesh configuration an update ran with, as plain data; undefined when the entry does not carry it (a backend
 * that records no configuration, or a secret value).
 */
export function meshConfigRan(entry: HistoryEntry): Record<string, unknown> | undefined {
    const recorded = entry.config?.[STACK_MESH_KEY];
    if (recorded === undefined || recorded.secret === true) {
        return undefined;
    }
    let value = recorded.objectValue;
    if (value === undefined && typeof recorded.value === "string") {
        try {
            value = JSON.parse(recorded.value) as unknown;
        } catch {
            return undefined;
        }
    }
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
