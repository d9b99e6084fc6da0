/**
 * The Mesh for programs in other languages: a component of the Pulumi package `mesh` (type `mesh:index:Mesh`), served
 * by provider.ts. Its inputs are the configuration as the stack file writes it under `mesh`, section by section,
 * validated by the Mesh with the same messages; it outputs what the stack exports most.
 *
 * Pulumi derives the package's schema from this file's types (its component analyzer): the sections come out as
 * objects of any shape there, the checks are the Mesh's own.
 */
import * as pulumi from "@pulumi/pulumi";
import { Mesh as MeshComponent, MeshArgs as ConfigurationArgs } from "pulumi-istio-mesh";

/**
 * The mesh configuration (see the configuration reference), without `cluster`: pass a Kubernetes provider in the
 * resource's options instead.
 */
export interface MeshArgs extends Omit<ConfigurationArgs, "cluster"> {}

export class Mesh extends pulumi.ComponentResource {
    /** The Istio version of the default tag's revision. */
    readonly istioVersion: pulumi.Output<string>;
    /** The default tag's revision. */
    readonly revision: pulumi.Output<string>;
    readonly istioNamespace: pulumi.Output<string>;
    readonly trustDomain: pulumi.Output<string>;
    /** The public root certificate that signs this cluster's intermediate (empty without the plug-in CA). */
    readonly rootCertificatePem: pulumi.Output<string>;

    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mesh:index:Mesh", name, {}, opts);
        const mesh = new MeshComponent(name, args, { parent: this });
        this.istioVersion = pulumi.output(mesh.version);
        this.revision = pulumi.output(mesh.revision);
        this.istioNamespace = mesh.namespace;
        this.trustDomain = pulumi.output(mesh.trustDomain);
        this.rootCertificatePem = mesh.certificateAuthority?.rootCertificatePem ?? pulumi.output("");
        this.registerOutputs({
            istioVersion: this.istioVersion,
            revision: this.revision,
            istioNamespace: this.istioNamespace,
            trustDomain: this.trustDomain,
            rootCertificatePem: this.rootCertificatePem,
        });
    }
}
