/**
 * The remote secrets of this cluster: one Secret per peer in the Istio namespace, which every istiod revision here
 * watches (label `istio/multiCluster: "true"`), holding a kubeconfig for the peer's API server under the peer's name.
 * The shape `istioctl create-remote-secret` writes, declared instead of applied by hand: removing a peer from the
 * configuration deletes its Secret, and istiod stops reading that cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { remoteSecretMetadata } from "./kubeconfig";

export interface RemoteSecretsArgs {
    /** Peer name (its clusterName) -> the kubeconfig its reader logs in with (a secret). */
    readonly peers: Readonly<Record<string, pulumi.Input<string>>>;
    /** The Istio namespace. */
    readonly namespace: pulumi.Input<string>;
}

export class RemoteSecrets extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:multicluster:RemoteSecrets";

    static isInstance(obj: unknown): obj is RemoteSecrets {
        return obj instanceof RemoteSecrets;
    }

    /** Peer name -> its Secret. */
    readonly secrets: Readonly<Record<string, k8s.core.v1.Secret>>;

    constructor(name: string, args: RemoteSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(RemoteSecrets.__pulumiType, name, {}, opts);
        const secrets: Record<string, k8s.core.v1.Secret> = {};
        for (const [peer, kubeconfig] of Object.entries(args.peers)) {
            secrets[peer] = new k8s.core.v1.Secret(
                `${name}-${peer}`,
                {
                    metadata: pulumi.output(args.namespace).apply((namespace) => remoteSecretMetadata(peer, namespace)),
                    type: "Opaque",
                    stringData: pulumi.secret(pulumi.output(kubeconfig).apply((text) => ({ [peer]: text }))),
                },
                { parent: this },
            );
        }
        this.secrets = secrets;
        this.registerOutputs({ peers: Object.keys(secrets) });
    }
}
