/**
 * The keys a promotion moves from one stack file to the next, and the edit of the target file's YAML document that
 * moves them. Everything else in the target (its scale, security, gateways, comments) stays as it is.
 */
import { isDeepStrictEqual } from "util";
import { Document, isScalar, Node, visit } from "yaml";
import { keyPath } from "../../components/config/issues";
import { MESH_CONFIG_KEY } from "../../components/config/schema";

/** The stack configuration key of the mesh, as the stack files spell it (project name and key). */
export const STACK_MESH_KEY = `istio-mesh:${MESH_CONFIG_KEY}`;

/**
 * What a promotion moves, as paths below the `mesh` key: the Istio release, its revisions and tags, where its charts
 * come from, and the image tag. These are what a stage proves; the rest of a stack file is the environment itself.
 */
export const PROMOTED_KEYS: readonly (readonly string[])[] = [
    ["istio", "version"],
    ["istio", "revision"],
    ["istio", "revisions"],
    ["istio", "tags"],
    ["charts"],
    ["images", "tag"],
];

/** One moved key: its value in the target before and after; undefined means the key is not set. */
export interface PinChange {
    /** The key as `pulumi config set --path` spells it, e.g. mesh.istio.version. */
    readonly key: string;
    readonly before: unknown;
    readonly after: unknown;
}

function meshPath(path: readonly string[]): string[] {
    return ["config", STACK_MESH_KEY, ...path];
}

/** The mesh configuration of a stack file's document, as plain data; throws when the file has none. */
export function meshConfigOf(document: Document, file: string): Record<string, unknown> {
    const mesh = document.getIn(meshPath([])) as Node | undefined;
    const value = mesh?.toJSON() as unknown;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new Error(`${file} has no config.${STACK_MESH_KEY} mapping. Fix: start it from Pulumi.dev.yaml`);
    }
    return value as Record<string, unknown>;
}

function plainAt(document: Document, path: readonly string[]): unknown {
    const node = document.getIn(meshPath(path), true) as Node | undefined;
    return node === undefined ? undefined : (node.toJSON() as unknown);
}

/** A copy of a node from the source file, without the source's comments (they describe the source environment). */
function uncommentedCopy(node: Node): Node {
    const copy = node.clone() as Node;
    visit(copy, (_key, item) => {
        if (item !== null && typeof item === "object" && "comment" in item) {
            const commented = item as { comment?: string | null; commentBefore?: string | null; spaceBefore?: boolean };
            commented.comment = null;
            commented.commentBefore = null;
            commented.spaceBefore = false;
        }
    });
    return copy;
}

/**
 * Sets each promoted key of `target` to its value in `source`, or removes it where `source` does not set it, and
 * returns the keys that changed. Comments and formatting of the target are kept; a scalar keeps its own node, so a
 * comment on its line stays.
 */
export function movePins(source: Document, target: Document): PinChange[] {
    const changes: PinChange[] = [];
    for (const path of PROMOTED_KEYS) {
        const before = plainAt(target, path);
        const after = plainAt(source, path);
        if (isDeepStrictEqual(before, after)) {
            continue;
        }
        changes.push({ key: keyPath(path), before, after });
        const fullPath = meshPath(path);
        if (after === undefined) {
            target.deleteIn(fullPath);
            removeIfEmpty(target, fullPath.slice(0, -1));
            continue;
        }
        const sourceNode = source.getIn(fullPath, true) as Node;
        const targetNode = target.getIn(fullPath, true) as Node | undefined;
        if (isScalar(targetNode) && isScalar(sourceNode)) {
            targetNode.value = sourceNode.value;
        } else {
            target.setIn(fullPath, uncommentedCopy(sourceNode));
        }
    }
    return changes;
}

/** Drops a mapping below the mesh key that a removal left empty (e.g. `images:` after its tag went). */
function removeIfEmpty(document: Document, path: readonly string[]): void {
    if (path.length <= 2) {
        return;
    }
    const value = (document.getIn(path, true) as Node | undefined)?.toJSON() as unknown;
    if (value !== null && typeof value === "object" && Object.keys(value).length === 0) {
        document.deleteIn(path);
    }
}

/** The diff as printed: one line per moved key that changes. */
export function formatChanges(changes: readonly PinChange[]): string[] {
    return changes.map((change) => `  ${change.key}: ${showPin(change.before)} -> ${showPin(change.after)}`);
}

/** The promoted keys of a mesh configuration (plain data), as key path -> value; unset keys are left out. */
export function pinsOf(mesh: unknown): Map<string, unknown> {
    const pins = new Map<string, unknown>();
    for (const path of PROMOTED_KEYS) {
        let value: unknown = mesh;
        for (const key of path) {
            value = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
        }
        if (value !== undefined) {
            pins.set(keyPath(path), value);
        }
    }
    return pins;
}

/** One promoted key on which two configurations disagree; undefined means not set. */
export interface PinDifference {
    readonly key: string;
    readonly expected: unknown;
    readonly actual: unknown;
}

/** The promoted keys whose values differ between `expected` and `actual`, in PROMOTED_KEYS order. */
export function pinDifferences(expected: ReadonlyMap<string, unknown>, actual: ReadonlyMap<string, unknown>): PinDifference[] {
    return PROMOTED_KEYS.map((path) => keyPath(path))
        .filter((key) => !isDeepStrictEqual(expected.get(key), actual.get(key)))
        .map((key) => ({ key, expected: expected.get(key), actual: actual.get(key) }));
}

/** A value as the reports print it. */
export function showPin(value: unknown): string {
    return value === undefined ? "(not set)" : JSON.stringify(value);
}
