/**
 * What a CA stack exports for its clusters, and how a cluster's stack picks its own part: the contract between the
 * two stacks. The root's private key is never among them.
 */

/** Cluster name -> its intermediate (ClusterIntermediate); public. */
export const CLUSTER_INTERMEDIATES_OUTPUT = "clusterIntermediates";
/** Cluster name -> its intermediate's private key (PEM); a secret output. */
export const CLUSTER_INTERMEDIATE_KEYS_OUTPUT = "clusterIntermediateKeys";

/** One cluster's intermediate as the CA stack exports it (PEM; public). */
export interface ClusterIntermediate {
    /** The intermediate CA certificate: istiod's ca-cert.pem. */
    readonly certificatePem: string;
    /** The intermediate, then the root that signed it: istiod's cert-chain.pem. */
    readonly certChainPem: string;
    /** The root that signed it. */
    readonly rootCertificatePem: string;
    /** Every trusted root, one PEM after another: istiod's root-cert.pem. */
    readonly trustedRootsPem: string;
    /** The Istio namespace it was issued for (DNS SAN istiod.<namespace>.svc). */
    readonly istioNamespace: string;
    /** RFC 3339. */
    readonly expiresAt: string;
}

/** What the cluster's stack asks of the CA stack. */
export interface ClusterIntermediateRequest {
    /** The CA stack, as pki.caStack names it. */
    readonly caStack: string;
    readonly clusterName: string;
    readonly istioNamespace: string;
}

const FIELDS: readonly (keyof ClusterIntermediate)[] = [
    "certificatePem",
    "certChainPem",
    "rootCertificatePem",
    "trustedRootsPem",
    "istioNamespace",
    "expiresAt",
];

/**
 * The cluster's intermediate and key among a CA stack's outputs, or an Error whose message names the key, the value
 * and the fix. Pure; never puts key material in a message.
 */
export function clusterIntermediateOf(
    intermediates: unknown,
    keys: unknown,
    request: ClusterIntermediateRequest,
): { intermediate: ClusterIntermediate; privateKeyPem: string } | Error {
    const { caStack, clusterName, istioNamespace } = request;
    if (intermediates === undefined || intermediates === null || typeof intermediates !== "object") {
        return new Error(
            `mesh.pki.caStack: stack ${caStack} exports no ${CLUSTER_INTERMEDIATES_OUTPUT}: it is not a CA stack of this project ` +
                "(a stack whose configuration is istio-mesh:ca), or it was never brought up. Fix: up the CA stack first, or name the CA stack in mesh.pki.caStack",
        );
    }
    const listed = Object.keys(intermediates);
    const entry = (intermediates as Record<string, unknown>)[clusterName] as Partial<ClusterIntermediate> | undefined;
    if (entry === undefined) {
        return new Error(
            `mesh.multiCluster.clusterName: got "${clusterName}"; the CA stack ${caStack} issues no intermediate for it ` +
                `(its ca.clusters: ${listed.length === 0 ? "none" : listed.join(", ")}). Fix: add {name: ${clusterName}} to ca.clusters ` +
                "of the CA stack and up it first, or correct mesh.multiCluster.clusterName",
        );
    }
    const missing = FIELDS.filter((field) => typeof entry[field] !== "string");
    const privateKeyPem = keys !== null && typeof keys === "object" ? (keys as Record<string, unknown>)[clusterName] : undefined;
    if (missing.length > 0 || typeof privateKeyPem !== "string") {
        return new Error(
            `mesh.pki.caStack: the CA stack ${caStack} exports an incomplete intermediate for "${clusterName}" ` +
                `(missing: ${[...missing, ...(typeof privateKeyPem !== "string" ? [`${CLUSTER_INTERMEDIATE_KEYS_OUTPUT}.${clusterName}`] : [])].join(", ")}). ` +
                "Fix: up the CA stack with this project's version",
        );
    }
    if (entry.istioNamespace !== istioNamespace) {
        return new Error(
            `mesh.namespace: got "${istioNamespace}"; the CA stack ${caStack} issued the intermediate of "${clusterName}" for the Istio ` +
                `namespace "${entry.istioNamespace}" (its DNS SAN is istiod.${entry.istioNamespace}.svc). Fix: set istioNamespace: ` +
                `${istioNamespace} in that cluster's entry of ca.clusters and up the CA stack, or set mesh.namespace to ${entry.istioNamespace}`,
        );
    }
    return { intermediate: entry as ClusterIntermediate, privateKeyPem };
}
