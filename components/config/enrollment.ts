/**
 * Enrollment: control-plane revisions and revision tags (`mesh.istio.version|revision|revisions|tags`), namespace
 * enrollment (`mesh.namespaces`) and the injection and validation webhooks (`mesh.webhooks`). Schema, in-section
 * checks, defaults and the derivations both use.
 */
import { z } from "zod";
import { DataPlaneMode, namespaceDataPlaneFields, toNamespaceDataPlane, WaypointConfig, WaypointSettings } from "./dataPlane";
import { ConfigIssue, duplicates } from "./issues";
import { IstioVersion, parseIstioVersion, revisionForVersion } from "./istioVersion";
import { dns1123Label, istioVersionSchema, VERSION_REQUIRED } from "./primitives";

export const FAILURE_POLICIES = ["Fail", "Ignore"] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** The Pod Security Standards levels (pod-security.kubernetes.io/enforce). */
export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export const REINVOCATION_POLICIES = ["Never", "IfNeeded"] as const;
export type ReinvocationPolicy = (typeof REINVOCATION_POLICIES)[number];

// ---- configuration as written (the Mesh component's args and the stack file's keys)

/** The keys of `istio` that say which releases run, as which revisions, with which tags. */
export interface RevisionsConfig {
    /**
     * The exact Istio release, pinned per stack, so an upgrade is always a reviewed change; a line of Istio's support
     * calendar (istioVersion.ts): 1.30 and 1.31, and 1.29 (past its end of life) only beside a supported revision.
     * @default none: required (or `istio.revisions`)
     */
    readonly version?: string;
    /** One revision per release, so every upgrade, patch ones too, can run as a canary. @default derived: `1.30.3` → `1-30-3` */
    readonly revision?: string;
    /** Several control planes at once: `[{version: "1.29.6"}, {version: "1.30.3", name: optional}]`. @default one, from `istio.version` */
    readonly revisions?: readonly RevisionConfig[];
    /**
     * Revision tags → revisions; `default` is required with several revisions and owns cluster-wide validation.
     * @default `{default: <the only revision>}`
     */
    readonly tags?: Readonly<Record<string, string>>;
}

export interface RevisionConfig {
    /** The exact Istio release of this revision. @default required */
    readonly version: string;
    /** The revision's name. @default derived from the version */
    readonly name?: string;
}

/** A namespace in the mesh. */
export interface NamespaceConfig {
    /** A namespace to put in the mesh; Kubernetes' own and Istio's namespace are refused. @default required */
    readonly name: string;
    /**
     * The label follows the revision model: `istio-injection=enabled` for the default tag, `istio.io/rev=<tag>`
     * otherwise. @default `default`
     */
    readonly tag?: string;
    /** Pins the namespace to a revision (`istio.io/rev=<revision>`); not with `tag`. @default none */
    readonly revision?: string;
    /**
     * `true`: the namespace exists already; the stack labels it (server-side apply patch) and a destroy only removes
     * the label. @default `false`
     */
    readonly existing?: boolean;
    /**
     * The Pod Security Standard it enforces; `restricted` with init interception is an error (istio-init needs
     * NET_ADMIN and NET_RAW). @default none
     */
    readonly podSecurity?: PodSecurityLevel;
    /**
     * `ambient`: labeled `istio.io/dataplane-mode=ambient`, never with an injection label beside it; `sidecar`
     * namespaces coexist in an ambient mesh. @default the mesh's `dataPlane.mode`
     */
    readonly dataplane?: DataPlaneMode;
    /** Ambient only: the namespace's waypoint proxy (none unless given). */
    readonly waypoint?: WaypointConfig;
}

/** The injection and validation webhooks. */
export interface WebhooksConfig {
    /** What istiod sets once it serves (see "Webhooks and drift"). @default `Fail` */
    readonly validationFailurePolicy?: FailurePolicy;
    /** Istio's default. @default `Never` */
    readonly reinvocationPolicy?: ReinvocationPolicy;
    /**
     * Excluded from every injection webhook by name.
     * @default `[]`, always with `kube-system`, `kube-public`, `kube-node-lease` and the Istio namespace
     */
    readonly neverInjectNamespaces?: readonly string[];
    /** Istio's `neverInjectSelector`, as `matchLabels` maps. @default `[]` */
    readonly neverInjectPodLabels?: readonly Readonly<Record<string, string>>[];
    /** Istio's `alwaysInjectSelector`, as `matchLabels` maps. @default `[]` */
    readonly alwaysInjectPodLabels?: readonly Readonly<Record<string, string>>[];
}

// ---- schema

/** One control-plane revision: an Istio version and, optionally, its revision name. */
export const revisionSchema = z.strictObject({
    version: istioVersionSchema,
    name: dns1123Label("1-30-3").optional(),
});

/** The keys of the `istio` section that say which revisions run and which tags point at them. */
export const revisionFields = {
    version: istioVersionSchema.optional(),
    revision: dns1123Label("1-30-3").optional(),
    revisions: z.array(revisionSchema).min(1, { error: 'allowed: at least one revision. Fix: e.g. [{ version: "1.30.3" }]' }).optional(),
    tags: z.record(dns1123Label("stable"), dns1123Label("1-30-3")).optional(),
};
const revisionsSchema = z.strictObject(revisionFields);
/** The revision keys of the `istio` section, as written. */
export type RevisionsInput = z.infer<typeof revisionsSchema>;

export const namespaceSchema = z.strictObject({
    name: dns1123Label("bookinfo"),
    tag: dns1123Label("stable").optional(),
    revision: dns1123Label("1-30-3").optional(),
    existing: z.boolean().optional(),
    podSecurity: z.enum(POD_SECURITY_LEVELS).optional(),
    ...namespaceDataPlaneFields,
});
export type NamespaceInput = z.infer<typeof namespaceSchema>;

/** A label selector's matchLabels, as Kubernetes writes it. */
const matchLabels = z.record(z.string(), z.string(), {
    error: "allowed: a mapping of label keys to values. Fix: e.g. { app: legacy-batch }",
});

export const webhooksSchema = z.strictObject({
    validationFailurePolicy: z.enum(FAILURE_POLICIES).optional(),
    reinvocationPolicy: z.enum(REINVOCATION_POLICIES).optional(),
    neverInjectNamespaces: z.array(dns1123Label("kube-system")).optional(),
    neverInjectPodLabels: z.array(matchLabels).optional(),
    alwaysInjectPodLabels: z.array(matchLabels).optional(),
});
export type WebhooksInput = z.infer<typeof webhooksSchema>;

// ---- settings

export interface RevisionSettings {
    /** The revision name: istiod-<name>, istio.io/rev=<name>. */
    readonly name: string;
    readonly version: IstioVersion;
}

/** The tag that `istio-injection=enabled` namespaces follow, and whose revision owns cluster-wide validation. */
export const DEFAULT_TAG = "default";

/** What a namespace (or a gateway) follows: a revision tag, or a revision by name. */
export type EnrollmentTarget = { readonly tag: string } | { readonly revision: string };

export interface NamespaceEnrollment {
    readonly name: string;
    readonly target: EnrollmentTarget;
    /** true: the namespace exists already; the stack only labels it and never deletes it. */
    readonly existing: boolean;
    /** The Pod Security Standard the namespace enforces, when known. */
    readonly podSecurity?: PodSecurityLevel;
    /** Sidecars, or the ambient data plane (ztunnel; never labeled for injection). */
    readonly dataplane: DataPlaneMode;
    /** Ambient only: the namespace's waypoint proxy. */
    readonly waypoint?: WaypointSettings;
}

export interface WebhookSettings {
    readonly validationFailurePolicy: FailurePolicy;
    readonly reinvocationPolicy: ReinvocationPolicy;
    readonly neverInjectNamespaces: readonly string[];
    readonly neverInjectPodLabels: readonly Readonly<Record<string, string>>[];
    readonly alwaysInjectPodLabels: readonly Readonly<Record<string, string>>[];
}

/** Kubernetes' own namespaces: a sidecar there breaks the cluster, so they are never injected. */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"] as const;

// ---- derivations (checks and defaults both use them)

/** The revisions as written: istio.revisions, or the single revision of istio.version. */
function writtenRevisions(istio: RevisionsInput): { version: string; name?: string }[] {
    return istio.revisions ?? (istio.version !== undefined ? [{ version: istio.version, name: istio.revision }] : []);
}

/** A revision's name: as written, or derived from its version. */
function revisionName(revision: { version: string; name?: string }): string {
    // One revision per release, so each upgrade, patch ones included, can run beside the last (canary).
    return revision.name ?? revisionForVersion(parseIstioVersion(revision.version)!);
}

/** The revision names a valid `istio` section declares, in order. */
export function declaredRevisions(istio: RevisionsInput): string[] {
    return writtenRevisions(istio).map(revisionName);
}

/** Tag -> revision. With one revision and no tags, the default tag points at it. */
export function declaredTags(istio: RevisionsInput, revisions: readonly string[]): Record<string, string> {
    return { ...(istio.tags ?? (revisions.length === 1 ? { [DEFAULT_TAG]: revisions[0] } : {})) };
}

/** What a namespace or gateway entry follows: a revision by name pins it; otherwise a tag, the default one unless named. */
export function enrollmentTarget(entry: { tag?: string; revision?: string }): EnrollmentTarget {
    return entry.revision !== undefined ? { revision: entry.revision } : { tag: entry.tag ?? DEFAULT_TAG };
}

// ---- defaults

/** The revisions, in the order written; one revision when only `istio.version` is given. */
export function toRevisions(istio: RevisionsInput): RevisionSettings[] {
    return writtenRevisions(istio).map((revision) => ({ name: revisionName(revision), version: parseIstioVersion(revision.version)! }));
}

export function toTags(istio: RevisionsInput, revisions: readonly RevisionSettings[]): Record<string, string> {
    return declaredTags(
        istio,
        revisions.map((revision) => revision.name),
    );
}

export function toNamespaceEnrollments(namespaces: readonly NamespaceInput[] | undefined, meshMode: DataPlaneMode): NamespaceEnrollment[] {
    return (namespaces ?? []).map((namespace) => ({
        name: namespace.name,
        // Following the default tag is the common case; a revision by name pins a namespace during an upgrade.
        target: enrollmentTarget(namespace),
        // Created and owned by the stack unless said otherwise.
        existing: namespace.existing ?? false,
        podSecurity: namespace.podSecurity,
        ...toNamespaceDataPlane(namespace, meshMode),
    }));
}

/** Namespaces never injected: Kubernetes' own, Istio's, and those listed in webhooks.neverInjectNamespaces. */
export function neverInjectNamespaces(webhooks: WebhooksInput | undefined, istioNamespace: string): string[] {
    return [...new Set([...SYSTEM_NAMESPACES, istioNamespace, ...(webhooks?.neverInjectNamespaces ?? [])])];
}

export function toWebhookSettings(webhooks: WebhooksInput | undefined, istioNamespace: string): WebhookSettings {
    return {
        // Fail: the value istiod itself sets once it serves, so the stack agrees with istiod (see webhooks/drift.ts).
        validationFailurePolicy: webhooks?.validationFailurePolicy ?? "Fail",
        // Istio's default.
        reinvocationPolicy: webhooks?.reinvocationPolicy ?? "Never",
        // Kubernetes' namespaces and Istio's own are never injected, whatever else is listed.
        neverInjectNamespaces: neverInjectNamespaces(webhooks, istioNamespace),
        neverInjectPodLabels: webhooks?.neverInjectPodLabels ?? [],
        alwaysInjectPodLabels: webhooks?.alwaysInjectPodLabels ?? [],
    };
}

// ---- checks

/** Revisions and tags of the `istio` section. */
export function revisionIssues(istio: RevisionsInput): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    if (istio.version === undefined && istio.revisions === undefined) {
        issues.push({ path: ["istio", "version"], message: VERSION_REQUIRED });
        return issues;
    }
    if (istio.version !== undefined && istio.revisions !== undefined) {
        issues.push({
            path: ["istio", "version"],
            given: istio.version,
            message:
                "istio.version and istio.revisions are mutually exclusive. Choose a single approach: istio.version " +
                "for one revision, or istio.revisions (each with its version) for a canary upgrade",
        });
        return issues;
    }
    if (istio.revisions !== undefined && istio.revision !== undefined) {
        issues.push({
            path: ["istio", "revision"],
            given: istio.revision,
            message: "istio.revision names the single revision of istio.version. Fix: move it to istio.revisions[].name",
        });
    }

    const revisions = declaredRevisions(istio);
    revisions.forEach((name, index) => {
        if (name === DEFAULT_TAG) {
            issues.push({
                path: istio.revisions !== undefined ? ["istio", "revisions", index, "name"] : ["istio", "revision"],
                given: name,
                message:
                    'allowed: any DNS-1123 label except "default", which Istio reserves for the default revision tag. ' +
                    "Fix: remove the key to derive it from the version (e.g. 1-30-3)",
            });
        }
    });
    revisions.forEach((name, index) => {
        // istiod-<revision> is a Service name, which Kubernetes caps at 63 characters.
        if (`istiod-${name}`.length > 63) {
            issues.push({
                path: istio.revisions !== undefined ? ["istio", "revisions", index, "name"] : ["istio", "revision"],
                given: name,
                message: `allowed: at most 56 characters (istiod-${name} names istiod's Service, at most 63). Fix: set a shorter name, e.g. ${name.slice(0, 20).replace(/-$/, "")}`,
            });
        }
    });
    for (const name of duplicates(revisions)) {
        issues.push({
            path: ["istio", "revisions"],
            given: name,
            message: `revision "${name}" is declared twice (two entries with the same version or name). Fix: give one of them a distinct name`,
        });
    }

    const tags = declaredTags(istio, revisions);
    if (tags[DEFAULT_TAG] === undefined) {
        issues.push({
            path: ["istio", "tags", DEFAULT_TAG],
            message:
                `required with more than one revision: the revision that the default tag (istio-injection=enabled ` +
                `namespaces, cluster-wide validation) points at. Fix: set istio.tags.default to one of ${revisions.join(", ")}`,
        });
    }
    for (const [tag, revision] of Object.entries(tags)) {
        if (!revisions.includes(revision)) {
            issues.push({
                path: ["istio", "tags", tag],
                given: revision,
                message:
                    `tag "${tag}" points at revision "${revision}", which is not in istio.revisions (${revisions.join(", ")}). ` +
                    `Fix: point the tag at a remaining revision before removing "${revision}"`,
            });
        }
        if (`istiod-revision-tag-${tag}`.length > 63) {
            issues.push({
                path: ["istio", "tags", tag],
                given: tag,
                message: `allowed: a tag of at most 43 characters (istiod-revision-tag-${tag} names its Service, at most 63). Fix: rename the tag`,
            });
        }
        if (tag !== DEFAULT_TAG && revisions.includes(tag)) {
            issues.push({
                path: ["istio", "tags", tag],
                given: revision,
                message: `a tag cannot share its name with a revision ("${tag}"): istio.io/rev=${tag} would be ambiguous. Fix: rename the tag`,
            });
        }
    }
    return issues;
}

/** Namespace entries: duplicates, and the tag or revision each follows (when the revisions are known). */
export function namespaceIssues(namespaces: readonly NamespaceInput[], istio: RevisionsInput | undefined): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const revisions = istio !== undefined ? declaredRevisions(istio) : undefined;
    const tags = istio !== undefined && revisions !== undefined ? declaredTags(istio, revisions) : undefined;
    for (const name of duplicates(namespaces.map((namespace) => namespace.name))) {
        issues.push({
            path: ["namespaces"],
            given: name,
            message: `namespace "${name}" is listed twice. Fix: keep one entry`,
        });
    }
    namespaces.forEach((namespace, index) => {
        const path = ["namespaces", index];
        if (namespace.tag !== undefined && namespace.revision !== undefined) {
            issues.push({
                path: [...path, "revision"],
                given: namespace.revision,
                message:
                    "tag and revision are mutually exclusive: a namespace carries one istio.io/rev label. " +
                    "Fix: keep tag to follow upgrades, or revision to pin this namespace",
            });
        }
        if (tags !== undefined && namespace.tag !== undefined && tags[namespace.tag] === undefined) {
            issues.push({
                path: [...path, "tag"],
                given: namespace.tag,
                message: `allowed: a tag of istio.tags (${Object.keys(tags).join(", ")}). Fix: add the tag or use one of those`,
            });
        }
        if (revisions !== undefined && namespace.revision !== undefined && !revisions.includes(namespace.revision)) {
            issues.push({
                path: [...path, "revision"],
                given: namespace.revision,
                message: `allowed: a revision of istio.revisions (${revisions.join(", ")}). Fix: use one of those, or a tag`,
            });
        }
    });
    return issues;
}
