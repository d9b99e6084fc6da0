/**
 * Configuration problems, collected from every check and reported together in one error.
 */
// The SDK's errors module alone (the same RunError as `pulumi.RunError`): the promotion and scheduled-check commands
// load the configuration without the rest of the SDK.
import { RunError } from "@pulumi/pulumi/errors";
import { z } from "zod";

/** The stack configuration key (without the project prefix) that holds the whole mesh configuration. */
export const MESH_CONFIG_KEY = "mesh";

export interface ConfigIssue {
    /** Path below the `mesh` key, e.g. ["istio", "version"]. */
    readonly path: readonly PropertyKey[];
    /** What is allowed and the fix, written for the person who edits the stack file. */
    readonly message: string;
    /** The value given, when there was one. */
    readonly given?: unknown;
}

/** The key path as `pulumi config set --path` spells it: mesh.images.pullSecrets[0] (below `root`, the stack key). */
export function keyPath(path: readonly PropertyKey[], root: string = MESH_CONFIG_KEY): string {
    return path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : `${text}.${String(part)}`), root);
}

function describeGiven(given: unknown): string {
    if (given === undefined) {
        return "nothing";
    }
    const text = JSON.stringify(given);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function formatIssue(issue: ConfigIssue, root: string = MESH_CONFIG_KEY): string {
    return `${keyPath(issue.path, root)}: got ${describeGiven(issue.given)}; ${issue.message}`;
}

/** The stack configuration key a configuration is read from, and what its errors call it. */
export interface ConfigSection {
    /** The key without the project prefix: `mesh`, or `ca` for a CA stack. */
    readonly key: string;
    /** e.g. "mesh" in "Invalid mesh configuration". */
    readonly label: string;
}

const MESH_SECTION: ConfigSection = { key: MESH_CONFIG_KEY, label: "mesh" };

/**
 * Thrown before any resource is registered; its message lists every problem of the configuration. A RunError, so
 * that the engine prints the message alone: no stack, no dump of the object.
 */
export class MeshConfigError extends RunError {
    readonly issues: readonly ConfigIssue[];

    constructor(issues: readonly ConfigIssue[], stackName?: string, section: ConfigSection = MESH_SECTION) {
        const where = stackName ? ` of stack "${stackName}"` : "";
        const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
        super(
            `Invalid ${section.label} configuration${where} (${count}); nothing was changed:\n` +
                issues.map((issue) => `  - ${formatIssue(issue, section.key)}`).join("\n"),
        );
        this.name = "MeshConfigError";
        this.issues = issues;
        // The stack trace says nothing to the person fixing a stack file; keep the report clean.
        this.stack = `${this.name}: ${this.message}`;
    }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let current: unknown = root;
    for (const part of path) {
        if (current === null || typeof current !== "object") {
            return undefined;
        }
        current = (current as Record<PropertyKey, unknown>)[part];
    }
    return current;
}

function expectedText(expected: string): string {
    switch (expected) {
        case "object":
            return "a mapping of keys";
        case "array":
            return "a list";
        default:
            return `a ${expected}`;
    }
}

/** Edit distance between two names (insertions, deletions, substitutions), ignoring case. */
function distance(a: string, b: string): number {
    const left = a.toLowerCase();
    const right = b.toLowerCase();
    let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
    for (let i = 1; i <= left.length; i++) {
        const current = [i];
        for (let j = 1; j <= right.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left[i - 1] === right[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[right.length];
}

/** The known name closest to `name`, when it is close enough to be a misspelling of it. */
export function closestName(name: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const d = distance(name, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Turns zod's issues into ours, writing messages for zod's own checks (types, choices, unknown keys). `knownKeys`
 * gives the keys allowed at a path, so that an unknown key names the closest one.
 */
export function fromZodIssues(
    issues: readonly z.core.$ZodIssue[],
    input: unknown,
    knownKeys: (path: readonly PropertyKey[]) => readonly string[] = () => [],
    root: string = MESH_CONFIG_KEY,
): ConfigIssue[] {
    const keyPathOf = (path: readonly PropertyKey[]) => keyPath(path, root);
    return issues.flatMap((issue): ConfigIssue[] => {
        const path = issue.path;
        const given = valueAt(input, path);
        switch (issue.code) {
            case "unrecognized_keys":
                return issue.keys.map((key) => {
                    const closest = closestName(key, knownKeys(path));
                    return {
                        path: [...path, key],
                        given: valueAt(input, [...path, key]),
                        message:
                            closest !== undefined
                                ? `unknown key "${key}". Fix: did you mean ${closest}? (${keyPathOf([...path, closest])})`
                                : `unknown key "${key}". Fix: remove it or correct its spelling ` +
                                  `(the README's configuration reference lists every key under ${keyPathOf(path)})`,
                    };
                });
            case "invalid_value":
                return [
                    {
                        path,
                        given,
                        message:
                            `allowed: one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}. ` +
                            `Fix: pulumi config set --path '${keyPathOf(path)}' ${String(issue.values[0])}`,
                    },
                ];
            case "invalid_type":
                // Messages written in the schema win; zod's defaults ("Invalid input: ...") get ours.
                if (!issue.message.startsWith("Invalid input")) {
                    return [{ path, given, message: issue.message }];
                }
                return [
                    {
                        path,
                        given,
                        message:
                            given === undefined
                                ? `required: ${expectedText(issue.expected)}. Fix: set ${keyPathOf(path)} in the stack file`
                                : `allowed: ${expectedText(issue.expected)}. Fix: write ${keyPathOf(path)} as ${expectedText(issue.expected)}` +
                                  (issue.expected === "boolean" ? " (true or false, without quotes)" : ""),
                    },
                ];
            default:
                return [{ path, given, message: issue.message }];
        }
    });
}

/** Names that occur more than once, each once. */
export function duplicates(names: readonly string[]): string[] {
    return [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
}
