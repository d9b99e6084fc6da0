/**
 * Drift: what `pulumi preview --refresh --expect-no-changes --json` would change after reading the cluster back. A
 * stack that runs what git holds, untouched, previews no change; an object edited or deleted by hand shows up as an
 * update or a create, with the properties that differ.
 */
import { spawnSync } from "child_process";

/** One object the preview would change. */
export interface DriftChange {
    readonly op: string;
    readonly type: string;
    /** The resource's name, as its URN ends. */
    readonly name: string;
    /** The properties that differ (detailed diff, else the diff or replace reasons). */
    readonly properties: readonly string[];
}

/** Steps that change nothing: the refresh of a resource's state, reads, and resources that stay as they are. */
const UNCHANGED = ["same", "read", "refresh", "discard"];

interface PreviewStep {
    readonly op?: string;
    readonly urn?: string;
    readonly diffReasons?: readonly string[];
    readonly replaceReasons?: readonly string[];
    readonly detailedDiff?: Readonly<Record<string, unknown>> | null;
}

/** The URN's type and name: urn:pulumi:<stack>::<project>::<type path>::<name>. */
function typeAndName(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const name = parts.pop() ?? urn;
    const type = (parts.pop() ?? "").split("$").pop() ?? "";
    return { type, name };
}

/** The changes in a preview digest (the --json output), in its order. */
export function driftChanges(digest: unknown): DriftChange[] {
    const steps = (digest as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps)) {
        return [];
    }
    return (steps as PreviewStep[])
        .filter((step) => typeof step?.op === "string" && !UNCHANGED.includes(step.op) && typeof step.urn === "string")
        .map((step) => {
            const { type, name } = typeAndName(step.urn!);
            const detailed = step.detailedDiff !== null && step.detailedDiff !== undefined ? Object.keys(step.detailedDiff) : [];
            const properties = detailed.length > 0 ? detailed : [...(step.replaceReasons ?? []), ...(step.diffReasons ?? [])];
            return { op: step.op!, type, name, properties: [...new Set(properties)] };
        });
}

/** What the preview found: the changes, or why it did not run. */
export interface DriftResult {
    readonly changes: readonly DriftChange[];
    /** Set when the preview failed for another reason than changes (its error output). */
    readonly error?: string;
}

/** The preview's error lines: the engine's own diagnostics, not the expected-no-changes message. */
function errorLines(stderr: string): string {
    return stderr
        .split("\n")
        .filter((line) => line.trim() !== "")
        .slice(-12)
        .join("\n");
}

/** Reads a finished preview: its JSON output, exit status and error output. */
export function driftResult(stdout: string, stderr: string, status: number): DriftResult {
    let digest: unknown;
    try {
        digest = JSON.parse(stdout);
    } catch {
        return { changes: [], error: errorLines(stderr) || `the preview printed no JSON (exit status ${status})` };
    }
    const changes = driftChanges(digest);
    if (status !== 0 && changes.length === 0) {
        return { changes, error: errorLines(stderr) || `the preview failed (exit status ${status})` };
    }
    return { changes };
}

/** The flags that make a preview a drift check. */
export const DRIFT_FLAGS = ["--refresh", "--expect-no-changes", "--json"];

/**
 * Runs the preview command given (the project's `bash scripts/pulumi.sh preview`, or `pulumi preview --stack <name>`
 * for a workspace of its own) with the drift flags.
 */
export function runDriftPreview(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv): DriftResult {
    const result = spawnSync(command[0], [...command.slice(1), ...DRIFT_FLAGS], {
        cwd,
        env,
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
    });
    return driftResult(result.stdout ?? "", result.stderr ?? "", result.status ?? 1);
}
