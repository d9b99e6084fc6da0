/**
 * The whole mesh as one component: one Kubernetes provider, and the parts of the mesh composed through it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MeshSettings } from "./config/settings";
import { ControlPlane } from "./controlplane/controlPlane";
import { PluginCaCertificates } from "./pki/cacerts";

export interface MeshArgs {
    /** Validated settings, from loadMeshSettings() or parseMeshConfig(). */
    readonly settings: MeshSettings;
    /** The plug-in CA for istiod; without it istiod runs its own self-signed CA. */
    readonly pluginCa?: pulumi.Input<PluginCaCertificates>;
}

export class Mesh extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:Mesh";

    static isInstance(obj: unknown): obj is Mesh {
        return obj instanceof Mesh;
    }

    readonly version: string;
    readonly revision: string;
    readonly namespace: pulumi.Output<string>;
    readonly trustDomain: string;
    readonly controlPlane: ControlPlane;

    /**
     * Pass `providers: { kubernetes: provider }` (or `providers: [provider]`) to use your own Kubernetes provider;
     * otherwise one is made from `settings.cluster` (the current kube context when that is empty).
     */
    constructor(name: string, args: MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Mesh.__pulumiType, name, {}, opts);
        const { settings } = args;

        const childOpts: pulumi.ComponentResourceOptions = { parent: this };
        if (!hasKubernetesProvider(opts)) {
            const provider = new k8s.Provider(
                `${name}-kubernetes`,
                { kubeconfig: settings.cluster.kubeconfig, context: settings.cluster.context },
                { parent: this },
            );
            childOpts.providers = { kubernetes: provider };
        }

        this.controlPlane = new ControlPlane(name, { settings, pluginCa: args.pluginCa }, childOpts);

        this.version = settings.istio.version.text;
        this.revision = settings.istio.revision;
        this.namespace = this.controlPlane.namespace;
        this.trustDomain = settings.meshConfig.trustDomain;

        this.registerOutputs({
            version: this.version,
            revision: this.revision,
            namespace: this.namespace,
            trustDomain: this.trustDomain,
        });
    }
}

function hasKubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): boolean {
    const providers = opts?.providers;
    if (providers === undefined) {
        return opts?.provider !== undefined;
    }
    if (Array.isArray(providers)) {
        return providers.some((provider) => k8s.Provider.isInstance(provider));
    }
    return "kubernetes" in providers;
}
