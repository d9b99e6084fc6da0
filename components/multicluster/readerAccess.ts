/**
 * What a peer's istiod needs to read this cluster: a long-lived token of Istio's reader ServiceAccount, and the
 * kubeconfig built from it with the API server's address as the peers reach it (exported as a secret, for the
 * peers' stacks).
 *
 * Istio's charts already make the ServiceAccount (base chart, `istio-reader-service-account`) and its ClusterRole
 * and binding (istiod chart, `istio-reader-clusterrole-<revision>-<namespace>`), in every supported line; what they
 * lack is a token that outlives a pod. Kubernetes no longer makes one by itself (since 1.24): a Secret of type
 * `kubernetes.io/service-account-token` that names the ServiceAccount is filled by the controller manager's token
 * controller with `token` and `ca.crt`, which is what `istioctl create-remote-secret` does too.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { READER_SERVICE_ACCOUNT, READER_TOKEN_SECRET, readerKubeconfig } from "./kubeconfig";

export interface ReaderAccessArgs {
    /** This cluster's name in the mesh: the kubeconfig's names, and the remote secret's key at the peers. */
    readonly clusterName: string;
    /** The API server as the peers reach it (multiCluster.apiServer). */
    readonly apiServer: string;
    /** The Istio namespace, where the base chart made the ServiceAccount. */
    readonly namespace: pulumi.Input<string>;
}

/** The provider waits until the token controller has filled the Secret (the provider's generic await). */
export const WAIT_FOR_TOKEN = { "pulumi.com/waitFor": "jsonpath={.data.token}" } as const;

export class ReaderAccess extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:multicluster:ReaderAccess";

    static isInstance(obj: unknown): obj is ReaderAccess {
        return obj instanceof ReaderAccess;
    }

    /** The token Secret (its data filled by the cluster). */
    readonly tokenSecret: k8s.core.v1.Secret;
    /** The kubeconfig a peer's istiod reads this cluster with: a secret. */
    readonly kubeconfig: pulumi.Output<string>;

    /** Pass Istio's base chart in `dependsOn`: it makes the ServiceAccount, and a token of a missing one is deleted. */
    constructor(name: string, args: ReaderAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ReaderAccess.__pulumiType, name, {}, opts);
        this.tokenSecret = new k8s.core.v1.Secret(
            `${name}-token`,
            {
                metadata: {
                    name: READER_TOKEN_SECRET,
                    namespace: args.namespace,
                    labels: { "app.kubernetes.io/part-of": "istio" },
                    annotations: { "kubernetes.io/service-account.name": READER_SERVICE_ACCOUNT, ...WAIT_FOR_TOKEN },
                },
                type: "kubernetes.io/service-account-token",
            },
            { parent: this },
        );
        // Read back once filled: the token and the cluster's CA are the cluster's, not the program's.
        const filled = k8s.core.v1.Secret.get(
            `${name}-token-filled`,
            pulumi.interpolate`${this.tokenSecret.metadata.namespace}/${this.tokenSecret.metadata.name}`,
            { parent: this, dependsOn: [this.tokenSecret] },
        );
        this.kubeconfig = pulumi.secret(
            filled.data.apply((data) =>
                readerKubeconfig({
                    clusterName: args.clusterName,
                    server: args.apiServer,
                    certificateAuthorityData: data?.["ca.crt"] ?? "",
                    token: Buffer.from(data?.token ?? "", "base64").toString("utf8"),
                }),
            ),
        );
        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }
}
