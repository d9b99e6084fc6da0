/**
 * The checks of the policy pack as pure functions of plain values: each returns the problems it finds, written for
 * the person who fixes them (what is wrong, and the stack configuration key that fixes it). policies.ts finds the
 * values in the stack's resources.
 */

export type EnforcementLevel = "advisory" | "mandatory";

/** The stack whose violations block a deployment; everywhere else they are reported and the deployment goes on. */
export const PRODUCTION_STACK = "prod";

/** Mandatory on the production stack, advisory on every other. Takes a stack name as `pulumi stack ls` shows it. */
export function enforcementFor(stack: string): EnforcementLevel {
    return stack.split("/").pop() === PRODUCTION_STACK ? "mandatory" : "advisory";
}

/** The stack of a resource, from its URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
export function stackOfUrn(urn: string): string {
    const match = /^urn:pulumi:([^:]+)::/.exec(urn);
    return match?.[1] ?? "";
}

/** A mesh-wide PeerAuthentication, as read from the stack. */
export interface PeerAuthenticationFacts {
    readonly name: string;
    readonly namespace: string;
    readonly mode?: string;
}

/**
 * (a) STRICT mutual TLS: the mesh-wide PeerAuthentication (`default`, in the root namespace) must exist and say
 * STRICT; otherwise workloads accept plaintext.
 */
export function mtlsIssues(rootNamespace: string, meshWide: readonly PeerAuthenticationFacts[]): string[] {
    if (meshWide.length === 0) {
        return [
            `no PeerAuthentication "default" in the root namespace ${rootNamespace}: workloads accept plaintext ` +
                "(Istio's PERMISSIVE default). Fix: set mesh.mtls.mode to STRICT",
        ];
    }
    return meshWide
        .filter((policy) => policy.mode !== "STRICT")
        .map(
            (policy) =>
                `PeerAuthentication ${policy.namespace}/${policy.name} sets mutual TLS to ${policy.mode ?? "(unset: PERMISSIVE)"}, ` +
                "so workloads also accept plaintext. Fix: set mesh.mtls.mode to STRICT",
        );
}

/** The values an istiod chart was rendered with; only the keys read here. */
export interface IstiodValues {
    readonly revision?: string;
    readonly replicaCount?: number;
    readonly autoscaleEnabled?: boolean;
    readonly autoscaleMin?: number;
    readonly pilot?: { readonly replicaCount?: number; readonly autoscaleEnabled?: boolean; readonly autoscaleMin?: number };
    readonly global?: {
        readonly tag?: unknown;
        readonly istioNamespace?: string;
        readonly defaultPodDisruptionBudget?: { readonly enabled?: boolean };
    };
    readonly meshConfig?: { readonly rootNamespace?: string; readonly outboundTrafficPolicy?: { readonly mode?: string } };
}

/** The fewest istiod pods the values allow, with Istio's chart defaults for unset keys (autoscaled from 1 pod). */
export function fewestIstiodPods(values: IstiodValues): { pods: number; autoscaled: boolean } {
    const autoscaled = values.autoscaleEnabled ?? values.pilot?.autoscaleEnabled ?? true;
    const pods = autoscaled
        ? (values.autoscaleMin ?? values.pilot?.autoscaleMin ?? 1)
        : (values.replicaCount ?? values.pilot?.replicaCount ?? 1);
    return { pods, autoscaled };
}

/** The fewest istiod pods that keep the control plane serving while one restarts or is drained. */
export const MIN_ISTIOD_PODS = 2;

/** (b) istiod runs at least 2 pods, and a disruption budget keeps one of them during node drains. */
export function istiodAvailabilityIssues(what: string, values: IstiodValues): string[] {
    const issues: string[] = [];
    const { pods, autoscaled } = fewestIstiodPods(values);
    if (pods < MIN_ISTIOD_PODS) {
        issues.push(
            `${what} runs as few as ${pods} pod (${autoscaled ? "autoscaleMin" : "replicaCount"} ${pods}): the control plane ` +
                `stops serving while it restarts. Fix: set mesh.istiod.autoscale.enabled to true with mesh.istiod.autoscale.min ` +
                `${MIN_ISTIOD_PODS} or more (or mesh.istiod.replicas ${MIN_ISTIOD_PODS} or more)`,
        );
    }
    if (values.global?.defaultPodDisruptionBudget?.enabled === false) {
        issues.push(
            `${what} has no disruption budget (global.defaultPodDisruptionBudget.enabled false): a node drain may evict ` +
                "every istiod at once. Fix: set mesh.istiod.disruptionBudget.enabled to true",
        );
    }
    return issues;
}

/** The outbound traffic policy an istiod chart's values set; Istio's default is ALLOW_ANY. */
export function outboundPolicyOf(values: IstiodValues): string {
    return values.meshConfig?.outboundTrafficPolicy?.mode ?? "ALLOW_ANY";
}

/**
 * (c) REGISTRY_ONLY needs an egress gateway: with it, traffic to hosts outside the mesh's registry is dropped, and
 * the egress gateway is the one way out for the hosts that are allowed.
 */
export function egressIssues(what: string, values: IstiodValues, egressGateways: readonly string[]): string[] {
    if (outboundPolicyOf(values) !== "REGISTRY_ONLY" || egressGateways.length > 0) {
        return [];
    }
    return [
        `${what} sets outboundTrafficPolicy REGISTRY_ONLY, and the stack has no egress gateway: no external host can be ` +
            "reached. Fix: add a gateway with kind: egress to mesh.gateways (and the hosts to mesh.egress.allowedHosts), " +
            "or set mesh.meshConfig.outboundTrafficPolicy to ALLOW_ANY",
    ];
}

/** A tls.PrivateKey's inputs; the tls provider's defaults apply to unset keys (RSA 2048, ECDSA P224). */
export interface PrivateKeyFacts {
    readonly algorithm?: string;
    readonly rsaBits?: number;
    readonly ecdsaCurve?: string;
}

export const STRONG_ECDSA_CURVES = ["P256", "P384"] as const;

/** The shortest RSA key a CA may have on a stack: 3072 bits (128-bit strength) in production, 2048 elsewhere. */
export function minimumRsaBits(stack: string): number {
    return enforcementFor(stack) === "mandatory" ? 3072 : 2048;
}

/** (d) CA key strength: RSA of at least minimumRsaBits, or ECDSA on P-256 or P-384; never P-224. */
export function caKeyIssues(what: string, key: PrivateKeyFacts, stack: string): string[] {
    const algorithm = key.algorithm ?? "(unset)";
    if (algorithm === "RSA") {
        const bits = key.rsaBits ?? 2048; // the tls provider's default
        const minimum = minimumRsaBits(stack);
        return bits >= minimum
            ? []
            : [`${what} is an RSA key of ${bits} bits; stack ${stack} needs at least ${minimum}. Fix: set mesh.pki.rsaBits to 4096`];
    }
    if (algorithm === "ECDSA") {
        const curve = key.ecdsaCurve ?? "P224"; // the tls provider's default, too weak for a CA
        return (STRONG_ECDSA_CURVES as readonly string[]).includes(curve)
            ? []
            : [`${what} is an ECDSA key on ${curve}; a CA needs ${STRONG_ECDSA_CURVES.join(" or ")}. Fix: set mesh.pki.ecdsaCurve to P256`];
    }
    return [`${what} is a ${algorithm} key; Istio's plug-in CA takes RSA or ECDSA keys. Fix: set mesh.pki.keyAlgorithm to ECDSA`];
}

/** What pins an image: a tag other than `latest`, or a digest. */
export function imageTagProblem(tag: unknown): string | undefined {
    if (typeof tag !== "string" || tag.trim() === "") {
        return "no tag (the registry serves whatever is newest)";
    }
    if (tag === "latest") {
        return "the tag latest, which moves under a running mesh";
    }
    return undefined;
}

/** (e) A chart's global.tag pins Istio's images. */
export function chartTagIssues(what: string, tag: unknown): string[] {
    const problem = imageTagProblem(tag);
    return problem === undefined
        ? []
        : [`${what} runs Istio's images with ${problem}. Fix: remove mesh.images.tag to run each revision's pinned version, or pin one, e.g. 1.30.3`];
}

/**
 * The tag of an image reference, or undefined when it has none; a digest pins an image too, and counts as a tag.
 * `registry:5000/istio/pilot:1.30.3` -> 1.30.3; `istio/pilot` -> undefined.
 */
export function tagOfImage(image: string): string | undefined {
    const at = image.indexOf("@");
    if (at >= 0) {
        return image.slice(at + 1);
    }
    const lastSlash = image.lastIndexOf("/");
    const colon = image.indexOf(":", lastSlash + 1);
    return colon >= 0 ? image.slice(colon + 1) : undefined;
}

/**
 * (e) An image a workload runs is pinned. `auto` is the placeholder of Istio's gateway chart, replaced at admission by
 * the injector with istiod's own (checked) tag.
 */
export function containerImageIssues(what: string, image: unknown): string[] {
    if (image === "auto") {
        return [];
    }
    const problem = imageTagProblem(typeof image === "string" ? tagOfImage(image) : undefined);
    return problem === undefined
        ? []
        : [`${what} runs the image ${String(image)} with ${problem}. Fix: remove mesh.images.tag to run each revision's pinned version, or pin one, e.g. 1.30.3`];
}
