/**
 * Typed settings for control-plane revisions, revision tags, namespace enrollment and the webhooks.
 */
import { IstioVersion, parseIstioVersion, revisionForVersion } from "./istioVersion";
import { FailurePolicy, PodSecurityLevel, ReinvocationPolicy } from "./enrollmentSchema";
import { MeshConfigInput } from "./schema";

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

/** The revisions, in the order written; one revision when only `istio.version` is given. */
export function toRevisions(input: MeshConfigInput): RevisionSettings[] {
    const written = input.istio.revisions ?? [{ version: input.istio.version!, name: input.istio.revision }];
    return written.map((revision) => {
        const version = parseIstioVersion(revision.version)!;
        // One revision per release, so each upgrade, patch ones included, can run beside the last (canary).
        return { name: revision.name ?? revisionForVersion(version), version };
    });
}

/** Tag -> revision. With one revision and no tags, the default tag points at it. */
export function toTags(input: MeshConfigInput, revisions: readonly RevisionSettings[]): Record<string, string> {
    return { ...(input.istio.tags ?? { [DEFAULT_TAG]: revisions[0].name }) };
}

export function toNamespaceEnrollments(input: MeshConfigInput): NamespaceEnrollment[] {
    return (input.namespaces ?? []).map((namespace) => ({
        name: namespace.name,
        // Following the default tag is the common case; a revision by name pins a namespace during an upgrade.
        target: namespace.revision !== undefined ? { revision: namespace.revision } : { tag: namespace.tag ?? DEFAULT_TAG },
        // Created and owned by the stack unless said otherwise.
        existing: namespace.existing ?? false,
        podSecurity: namespace.podSecurity,
    }));
}

export function toWebhookSettings(input: MeshConfigInput, istioNamespace: string): WebhookSettings {
    const webhooks = input.webhooks;
    return {
        // Fail: the value istiod itself sets once it serves, so the stack agrees with istiod (see webhooks/drift.ts).
        validationFailurePolicy: webhooks?.validationFailurePolicy ?? "Fail",
        // Istio's default.
        reinvocationPolicy: webhooks?.reinvocationPolicy ?? "Never",
        // Kubernetes' namespaces and Istio's own are never injected, whatever else is listed.
        neverInjectNamespaces: [
            ...new Set([...SYSTEM_NAMESPACES, istioNamespace, ...(webhooks?.neverInjectNamespaces ?? [])]),
        ],
        neverInjectPodLabels: webhooks?.neverInjectPodLabels ?? [],
        alwaysInjectPodLabels: webhooks?.alwaysInjectPodLabels ?? [],
    };
}
