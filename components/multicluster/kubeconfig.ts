/**
 * The objects of a remote secret, in the shape `istioctl create-remote-secret` writes: a kubeconfig that logs in to a
 * peer's API server as Istio's reader ServiceAccount, and the Secret istiod watches for it. Pure functions.
 */

/** Istio's reader ServiceAccount (the base chart makes it in every line), bound to the istiod chart's reader ClusterRole. */
export const READER_SERVICE_ACCOUNT = "istio-reader-service-account";
/** The long-lived token Secret of the reader, as istioctl names the one it makes. */
export const READER_TOKEN_SECRET = "istio-reader-service-account-istio-remote-secret-token";
/** istiod reads every Secret of its namespace with this label as a remote cluster's kubeconfig. */
export const MULTI_CLUSTER_SECRET_LABEL = "istio/multiCluster";
/** The cluster a remote secret stands for. */
export const CLUSTER_ANNOTATION = "networking.istio.io/cluster";

export interface ReaderKubeconfigInputs {
    /** The cluster's name in the mesh (its multiCluster.clusterName). */
    readonly clusterName: string;
    /** The API server as the peers reach it. */
    readonly server: string;
    /** The cluster's CA, base64 PEM (the token Secret's `ca.crt`, as it is stored). */
    readonly certificateAuthorityData: string;
    /** The reader's token, plain text. */
    readonly token: string;
}

/**
 * The kubeconfig a peer's istiod reads this cluster with; names as istioctl writes them (the cluster's name). JSON,
 * which is YAML too: Kubernetes' client reads either.
 */
export function readerKubeconfig(inputs: ReaderKubeconfigInputs): string {
    const name = inputs.clusterName;
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name, cluster: { server: inputs.server, "certificate-authority-data": inputs.certificateAuthorityData } }],
        contexts: [{ name, context: { cluster: name, user: name } }],
        "current-context": name,
        preferences: {},
        users: [{ name, user: { token: inputs.token } }],
    }, undefined, 2);
}

/** The remote secret's name for a peer, as istioctl names it. */
export function remoteSecretName(peer: string): string {
    return `istio-remote-secret-${peer}`;
}

/** The remote secret's metadata for a peer: istiod's label, and the peer's name. */
export function remoteSecretMetadata(peer: string, namespace: string): { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> } {
    return {
        name: remoteSecretName(peer),
        namespace,
        labels: { [MULTI_CLUSTER_SECRET_LABEL]: "true", "app.kubernetes.io/part-of": "istio" },
        annotations: { [CLUSTER_ANNOTATION]: peer },
    };
}
