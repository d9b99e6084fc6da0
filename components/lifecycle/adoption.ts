/**
 * Judging the adoption of an existing install (istioctl, Helm) by the stack, from the stack's preview and what the
 * API server says server-side apply would make of each object (scripts/adopt.ts reads both). Pure functions.
 */

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
    readonly op: string;
    readonly urn: string;
    readonly newState?: { readonly type: string; readonly custom?: boolean; readonly inputs?: Record<string, unknown> };
}

/** Ops of the engine that delete an object (or make a new one in its place): never part of an adoption. */
const DESTRUCTIVE_OPS = ["delete", "replace", "create-replacement", "delete-replaced", "import-replacement", "discard"];

/** A Kubernetes object of the preview: the engine's ops for it, in order, and the object the stack applies. */
export interface PlannedObject {
    readonly urn: string;
    readonly ops: readonly string[];
    /** The stack's object (the goal of the last step), without the provider's own keys (`__fieldManager`, ...). */
    readonly object: Record<string, unknown>;
}

/**
 * The Kubernetes objects that are new to the engine (a create, or an import with lifecycle.adoptExisting): the ones
 * an adoption concerns. A URN appears once, with every op of its steps (an import is followed by its update). Pure.
 */
export function plannedObjects(steps: readonly PreviewStep[]): PlannedObject[] {
    const byUrn = new Map<string, { ops: string[]; inputs?: Record<string, unknown> }>();
    for (const step of steps) {
        if (step.newState?.custom !== true || !step.newState.type.startsWith("kubernetes:")) {
            continue;
        }
        const entry = byUrn.get(step.urn) ?? { ops: [] };
        entry.ops.push(step.op);
        entry.inputs = step.newState.inputs ?? entry.inputs;
        byUrn.set(step.urn, entry);
    }
    return [...byUrn.entries()]
        .filter(([, entry]) => entry.ops.includes("create") || entry.ops.includes("import"))
        .map(([urn, entry]) => ({ urn, ops: entry.ops, object: Object.fromEntries(Object.entries(entry.inputs ?? {}).filter(([key]) => !key.startsWith("__"))) }));
}

/** "Kind/namespace/name" of an object, how adopted objects are matched with the preview's. Pure. */
export function objectKey(object: { readonly kind?: unknown; readonly metadata?: unknown }): string {
    const metadata = (object.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    return `${String(object.kind)}/${typeof metadata.namespace === "string" ? metadata.namespace : ""}/${String(metadata.name)}`;
}

/** An object that exists and that the first up takes over, with the fields server-side apply changes. */
export interface AdoptedObject {
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly changed: readonly string[];
}

/** Metadata the API server maintains: never a change of the object. */
const SERVER_FIELDS = new Set(["metadata.managedFields", "metadata.resourceVersion", "metadata.generation", "metadata.uid", "metadata.creationTimestamp", "status"]);

/** The paths (dotted, down to two levels below the top, then whole values) where `merged` differs from `live`. */
export function changedPaths(live: unknown, merged: unknown, prefix = "", depth = 0): string[] {
    if (SERVER_FIELDS.has(prefix)) {
        return [];
    }
    const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
    if (isObject(live) && isObject(merged) && depth < 4) {
        const keys = [...new Set([...Object.keys(live), ...Object.keys(merged)])].sort();
        return keys.flatMap((key) => changedPaths(live[key], merged[key], prefix === "" ? key : `${prefix}.${key}`, depth + 1));
    }
    return JSON.stringify(live) === JSON.stringify(merged) ? [] : [prefix];
}

/** Kinds whose pods restart when their pod template changes. */
const WORKLOAD_KINDS = new Set(["Deployment", "DaemonSet", "StatefulSet"]);

export interface AdoptionInput {
    readonly steps: readonly PreviewStep[];
    /** Existing objects (kubectl diff found them), each with the engine's ops for it (`import`, or `create`). */
    readonly adopted: readonly (AdoptedObject & { readonly ops?: readonly string[] })[];
    /** Objects of the preview that do not exist yet. */
    readonly created: number;
    readonly ca: {
        /** The stack creates the plug-in CA's `cacerts` Secret (pki.enabled). */
        readonly pluginCa: boolean;
        readonly existingCacerts: boolean;
        /** istiod's own self-signed CA (istio-ca-secret) exists: the running mesh trusts its root. */
        readonly selfSignedCa: boolean;
        /** The certificates in the existing cacerts' root-cert.pem (PEM text), when it exists. */
        readonly existingRoots?: string;
        /**
         * The roots the stack will trust, when they are known before the up (every root given as configuration);
         * undefined when the stack generates one or reads one from another stack.
         */
        readonly stackRoots?: readonly string[];
    };
}

/** The certificates of a PEM text, each as its base64 body without whitespace (comparable across formattings). Pure. */
export function certificateBodies(pem: string): string[] {
    return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((match) => match[1].replace(/\s+/g, ""));
}

/** True when every root of the existing cacerts is one the stack trusts: its new intermediate is trusted too. Pure. */
export function keepsExistingRoots(existingRoots: string | undefined, stackRoots: readonly string[] | undefined): boolean {
    const existing = certificateBodies(existingRoots ?? "");
    const trusted = new Set((stackRoots ?? []).flatMap(certificateBodies));
    return existing.length > 0 && existing.every((root) => trusted.has(root));
}

/** The report, and whether the first up is safe (in place only: nothing deleted or replaced, no pod restarts, same CA). */
export function adoptionReport(input: AdoptionInput): { readonly lines: string[]; readonly safe: boolean } {
    const lines: string[] = [];
    const destructive = input.steps.filter((step) => DESTRUCTIVE_OPS.includes(step.op));
    const updated = input.adopted.filter((object) => object.changed.length > 0);
    const unchanged = input.adopted.filter((object) => object.changed.length === 0);
    const restarts = updated.filter((object) => WORKLOAD_KINDS.has(object.kind) && object.changed.some((change) => change.startsWith("spec.template")));
    lines.push(`${input.adopted.length} existing object(s) taken over in place (server-side apply, conflicts forced): ${updated.length} updated, ${unchanged.length} unchanged`);
    for (const object of updated) {
        lines.push(`  ~ ${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name}: ${object.changed.join(", ")}`);
    }
    const imported = input.adopted.filter((object) => object.ops?.includes("import"));
    const asCreates = input.adopted.filter((object) => object.ops?.includes("create"));
    if (imported.length > 0) {
        lines.push(`  the preview imports ${imported.length} of them (= import, then ~ update where the stack's object differs)`);
    }
    if (asCreates.length > 0) {
        lines.push(
            `  the preview shows ${asCreates.length} of them as creates (to the engine they are new; the up applies them in place): ` +
                "set lifecycle.adoptExisting: true for a preview that imports them",
        );
    }
    lines.push(`${input.created} new object(s) created`);
    if (destructive.length > 0) {
        lines.push(`FAIL  ${destructive.length} step(s) delete or replace: ${destructive.map((step) => `${step.op} ${step.urn.split("::").pop()}`).join(", ")}`);
    }
    if (restarts.length > 0) {
        lines.push(`FAIL  pods restart: ${restarts.map((object) => `${object.kind} ${object.name} (${object.changed.filter((change) => change.startsWith("spec.template")).join(", ")})`).join("; ")}`);
    } else {
        lines.push("ok    no pod restarts: no pod template changes");
    }
    const rootsKept = input.ca.existingCacerts && keepsExistingRoots(input.ca.existingRoots, input.ca.stackRoots);
    const caReplaced = input.ca.pluginCa && !rootsKept && (input.ca.existingCacerts || input.ca.selfSignedCa);
    if (caReplaced) {
        lines.push(
            input.ca.existingCacerts
                ? "FAIL  the stack writes a CA over the existing cacerts whose root the running workloads do not all trust: give the existing root (root-cert.pem, and its key) as pki.roots (source: config), or set pki.enabled: false to leave cacerts as it is"
                : "FAIL  istiod runs its own self-signed CA (istio-ca-secret): a plug-in CA is a new root that running workloads do not trust; set pki.enabled: false to keep it, or rotate the root as a planned change",
        );
    } else if (input.ca.pluginCa && rootsKept) {
        lines.push("ok    the existing cacerts is taken over in place: a new intermediate under the root(s) the mesh already trusts");
    } else {
        lines.push("ok    the CA stays the one the mesh runs with");
    }
    const safe = destructive.length === 0 && restarts.length === 0 && !caReplaced;
    lines.push(safe ? "The first up adopts the install in place." : "The first up is not an in-place adoption (above).");
    return { lines, safe };
}
