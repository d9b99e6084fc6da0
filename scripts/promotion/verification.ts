/**
 * The durable record that `npm run verify` passed on a stack after its last update: a stack tag, `mesh:verify`, kept
 * by the state backend beside the stack's history (the diy backends and Pulumi Cloud both keep stack tags, and a
 * `pulumi up` keeps tags it did not set). It names the update it followed (its number and start time: diy backends
 * number every update 0), so an update made after it makes it stale.
 *
 *   mesh:verify = {"update":14,"started":"2026-01-10T10:00:00Z","result":"passed","at":"2026-01-10T10:05:00Z"}
 *   mesh:verify = {"update":0,"started":"...","result":"failed","at":"...","failed":["istiod 1-31-0 is ready"]}
 */
import { describeUpdate, HistoryEntry } from "./history";
import { runPulumi } from "./pulumiCli";

export const VERIFY_TAG = "mesh:verify";

/** What the backend accepts as a tag value (Pulumi's stack tag validation). */
export const TAG_VALUE_LIMIT = 256;

export interface VerifyRecord {
    /** The number of the update that verify ran after (the newest update in the stack's history then). */
    readonly update: number;
    /** That update's start time, as the history prints it. */
    readonly started: string;
    readonly result: "passed" | "failed";
    /** When verify ran, ISO 8601. */
    readonly at: string;
    /** The checks that failed, as far as they fit in a tag. */
    readonly failed?: readonly string[];
}

/** The tag's value: JSON of at most TAG_VALUE_LIMIT characters; failed checks that do not fit are counted instead. */
export function formatVerifyRecord(record: VerifyRecord): string {
    const failed = [...(record.failed ?? [])];
    for (let kept = failed.length; kept >= 0; kept--) {
        const shown = kept < failed.length ? [...failed.slice(0, kept), `and ${failed.length - kept} more`] : failed;
        const text = JSON.stringify({ ...record, failed: shown.length > 0 ? shown : undefined });
        if (text.length <= TAG_VALUE_LIMIT) {
            return text;
        }
    }
    return JSON.stringify({ update: record.update, started: record.started, result: record.result, at: record.at });
}

/** The record a tag value holds, or undefined when it holds none that this project wrote. */
export function parseVerifyRecord(text: string | undefined): VerifyRecord | undefined {
    if (text === undefined) {
        return undefined;
    }
    try {
        const value = JSON.parse(text) as Partial<VerifyRecord>;
        if (
            typeof value.update === "number" &&
            typeof value.started === "string" &&
            (value.result === "passed" || value.result === "failed") &&
            typeof value.at === "string"
        ) {
            const failed = Array.isArray(value.failed) ? value.failed.map(String) : undefined;
            return { update: value.update, started: value.started, result: value.result, at: value.at, failed };
        }
    } catch {
        // not JSON: not a record of ours
    }
    return undefined;
}

/** The record of verify run after `entry`, the newest update of the stack's history. */
export function recordFor(entry: HistoryEntry, result: "passed" | "failed", at: Date, failed: readonly string[] = []): VerifyRecord {
    return { update: entry.version ?? 0, started: entry.startTime ?? "", result, at: at.toISOString(), failed: failed.length > 0 ? failed : undefined };
}

/** Why the record does not show verify passing after `update`, the last update of `stack`, or undefined when it does. */
export function verifyRefusal(stack: string, update: HistoryEntry, record: VerifyRecord | undefined): string | undefined {
    const fix = `Fix: run npm run verify:record -- ${stack} against ${stack}'s cluster (the deploy workflow does after every up)`;
    const which = describeUpdate(stack, update).replace(` of stack ${stack}`, "");
    if (record === undefined) {
        return `no verify of stack ${stack} is recorded (stack tag ${VERIFY_TAG}), so nothing shows that ${which} works. ${fix}`;
    }
    if (record.update !== (update.version ?? 0) || record.started !== (update.startTime ?? "")) {
        const verified = describeUpdate(stack, { version: record.update, startTime: record.started }).replace(` of stack ${stack}`, "");
        return `the last verify of stack ${stack} (${record.at}) ran after ${verified}, not after ${which}. ${fix}`;
    }
    if (record.result !== "passed") {
        const failed = record.failed !== undefined && record.failed.length > 0 ? `: ${record.failed.join("; ")}` : "";
        return `verify of stack ${stack} failed at ${record.at}, after ${which}${failed}. Fix: repair ${stack}, then run npm run verify:record -- ${stack}`;
    }
    return undefined;
}

/** Returns a stack's tags (name -> value). Injected, so that tests run on fixtures without the engine. */
export type TagReader = (stack: string) => unknown;

export function pulumiTagReader(projectDir: string): TagReader {
    return (stack) => JSON.parse(runPulumi(projectDir, ["stack", "tag", "ls", "--json", "--stack", stack])) as unknown;
}

/** The verify record among a stack's tags, as `pulumi stack tag ls --json` prints them. */
export function verifyRecordOf(tags: unknown): VerifyRecord | undefined {
    if (tags === null || typeof tags !== "object" || Array.isArray(tags)) {
        return undefined;
    }
    const value = (tags as Record<string, unknown>)[VERIFY_TAG];
    return typeof value === "string" ? parseVerifyRecord(value) : undefined;
}

export function writeVerifyRecord(projectDir: string, stack: string, record: VerifyRecord): void {
    runPulumi(projectDir, ["stack", "tag", "set", VERIFY_TAG, formatVerifyRecord(record), "--stack", stack]);
}
