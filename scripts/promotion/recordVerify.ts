/**
 * `npm run verify:record -- <stack>`: runs `npm run verify -- <stack>` and records its result as the stack's verify
 * record (stack tag mesh:verify), against the newest update of the stack's history, for the promotion gate.
 */
import { spawnSync } from "child_process";
import { describeUpdate, HistoryReader, lastUpdate } from "./history";
import { failureReason } from "./pulumiCli";
import { recordFor, VerifyRecord } from "./verification";

/** What a verify run printed and how it exited. */
export interface VerifyRun {
    readonly status: number;
    readonly output: string;
}

/** The checks a verify report names as failed: its `FAIL  <check>: <detail>` lines. */
export function failedChecks(report: string): string[] {
    return report
        .split("\n")
        .filter((line) => line.startsWith("FAIL  "))
        .map((line) => line.slice("FAIL  ".length).split(": ")[0]);
}

/** Runs the project's verify command for `stack` (as `npm run verify -- <stack>` does), capturing what it prints. */
export function runVerifyCommand(projectDir: string, stack: string): VerifyRun {
    const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/verify.ts", stack], {
        cwd: projectDir,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { status: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

export interface RecordRequest {
    readonly stack: string;
    readonly runVerify: (stack: string) => VerifyRun;
    readonly readHistory: HistoryReader;
    readonly writeRecord: (stack: string, record: VerifyRecord) => void;
    readonly now?: () => Date;
}

export interface RecordResult {
    /** Verify's own exit status, or 1 when its result could not be recorded. */
    readonly status: number;
    readonly lines: readonly string[];
    readonly record?: VerifyRecord;
}

/**
 * Verify first, then the newest update of the history (read after verify, so that an update made while verify ran
 * is not credited), then the record. A verify that passed but could not be recorded fails: the gate would not see it.
 */
export function recordVerify(request: RecordRequest): RecordResult {
    const run = request.runVerify(request.stack);
    const lines = [run.output.trimEnd()];
    let history: unknown;
    try {
        history = request.readHistory(request.stack);
    } catch (error) {
        return { status: 1, lines: [...lines, `verify was not recorded: could not read the history of stack ${request.stack} (${failureReason(error)})`] };
    }
    const last = lastUpdate(request.stack, history);
    const entry = last.entry ?? (Array.isArray(history) ? (history as { kind?: string }[]).find((item) => (item?.kind ?? "update") === "update") : undefined);
    if (entry === undefined) {
        return { status: 1, lines: [...lines, `verify was not recorded: ${last.refusal}`] };
    }
    const record = recordFor(entry, run.status === 0 ? "passed" : "failed", (request.now ?? (() => new Date()))(), failedChecks(run.output));
    try {
        request.writeRecord(request.stack, record);
    } catch (error) {
        return { status: 1, lines: [...lines, `verify was not recorded: ${failureReason(error)}`] };
    }
    return {
        status: run.status,
        record,
        lines: [...lines, `Recorded: verify ${record.result} after ${describeUpdate(request.stack, entry)} (stack tag mesh:verify).`],
    };
}
