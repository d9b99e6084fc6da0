/**
 * Mesh-wide security policy: the PeerAuthentication in the root namespace that sets mutual TLS for every workload.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MtlsMode } from "../config/pki";

export interface MeshPolicyArgs {
    /** The mesh's root namespace: a PeerAuthentication there applies to the whole mesh. */
    readonly rootNamespace: pulumi.Input<string>;
    readonly mtlsMode: MtlsMode;
}

/** The PeerAuthentication object; `default` is the name Istio's documentation gives the mesh-wide policy. */
export function peerAuthenticationSpec(mtlsMode: MtlsMode): { mtls: { mode: MtlsMode } } {
    return { mtls: { mode: mtlsMode } };
}

export class MeshPolicy extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:MeshPolicy";

    static isInstance(obj: unknown): obj is MeshPolicy {
        return obj instanceof MeshPolicy;
    }

    readonly mtlsMode: MtlsMode;

    /** Pass the base chart (its CRDs) and istiod (its validation webhook) in `dependsOn`. */
    constructor(name: string, args: MeshPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super(MeshPolicy.__pulumiType, name, {}, opts);
        new k8s.apiextensions.CustomResource(
            `${name}-mtls`,
            {
                apiVersion: "security.istio.io/v1",
                kind: "PeerAuthentication",
                metadata: { name: "default", namespace: args.rootNamespace },
                spec: peerAuthenticationSpec(args.mtlsMode),
            },
            { parent: this },
        );
        this.mtlsMode = args.mtlsMode;
        this.registerOutputs({ mtlsMode: this.mtlsMode });
    }
}
