/**
 * The Istio control plane: its namespace, the plug-in CA Secret, Istio's `base` chart (CRDs, cluster roles,
 * default validation) and the revisioned `istiod` chart, in that order.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartReference } from "../charts/chartReference";
import { MeshSettings } from "../config/settings";
import { CACERTS_SECRET_NAME, cacertsSecretData, PluginCaCertificates } from "../pki/cacerts";
import { baseValues, istiodValues } from "./values";

export interface ControlPlaneArgs {
    /** Validated mesh settings; their shape decides which resources exist, so they are plain values. */
    readonly settings: MeshSettings;
    /**
     * The plug-in CA for istiod. When given, the `cacerts` Secret is created in the Istio namespace and istiod
     * waits for it; without it, istiod generates its own self-signed CA.
     */
    readonly pluginCa?: pulumi.Input<PluginCaCertificates>;
}

export class ControlPlane extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:ControlPlane";

    static isInstance(obj: unknown): obj is ControlPlane {
        return obj instanceof ControlPlane;
    }

    /** The Istio namespace (istiod, the CA Secret, the mesh root namespace). */
    readonly namespace: pulumi.Output<string>;
    readonly revision: string;
    readonly version: string;
    /** Istio's CRDs and cluster-wide resources; Istio custom resources depend on it. */
    readonly base: k8s.helm.v4.Chart;
    /** istiod, once its Deployment is ready; gateways and workloads depend on it. */
    readonly istiod: k8s.helm.v4.Chart;
    readonly cacerts?: k8s.core.v1.Secret;

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ControlPlane.__pulumiType, name, {}, opts);
        const { settings } = args;
        this.revision = settings.istio.revision;
        this.version = settings.istio.version.text;

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: settings.namespace, labels: { "app.kubernetes.io/part-of": "istio" } } },
            { parent: this },
        );
        this.namespace = namespace.metadata.name;

        if (args.pluginCa !== undefined) {
            this.cacerts = new k8s.core.v1.Secret(
                `${name}-cacerts`,
                {
                    metadata: {
                        name: CACERTS_SECRET_NAME,
                        namespace: this.namespace,
                        labels: { "app.kubernetes.io/part-of": "istio" },
                    },
                    type: "Opaque",
                    stringData: pulumi.secret(pulumi.output(args.pluginCa).apply(cacertsSecretData)),
                },
                { parent: this, dependsOn: [namespace] },
            );
        }

        this.base = new k8s.helm.v4.Chart(
            `${name}-base`,
            {
                ...chartReference("base", settings.istio.version, settings.charts),
                name: "istio-base",
                namespace: this.namespace,
                values: baseValues(settings),
            },
            { parent: this, dependsOn: [namespace] },
        );

        this.istiod = new k8s.helm.v4.Chart(
            `${name}-istiod`,
            {
                ...chartReference("istiod", settings.istio.version, settings.charts),
                name: `istiod-${settings.istio.revision}`,
                namespace: this.namespace,
                values: istiodValues(settings),
            },
            {
                parent: this,
                // CRDs first; and the CA Secret, or istiod starts with a self-signed CA of its own.
                dependsOn: this.cacerts ? [this.base, this.cacerts] : [this.base],
            },
        );

        this.registerOutputs({
            namespace: this.namespace,
            revision: this.revision,
            version: this.version,
        });
    }
}
