/**
 * The Istio control plane: its namespace, the plug-in CA Secret, Istio's `base` chart (CRDs, cluster roles,
 * default validation) and one `istiod` chart per revision, in that order.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartReference } from "../charts/chartReference";
import { GatewayApiCrds, GatewayApiCrdsArgs } from "../gatewayapi/crds";
import { networkLabels } from "../multicluster/network";
import { CACERTS_SECRET_NAME, cacertsSecretData, PluginCaCertificates } from "../pki/cacerts";
import { composedTransforms } from "../program/composedTransforms";
import { skipServiceAwaitTransform } from "../readiness/serviceAwait";
import { webhookOwnershipTransform } from "../webhooks/drift";
import { baseValues, ControlPlaneSettings, istiodValues } from "./values";

export interface ControlPlaneArgs {
    /** Validated settings of the control plane; their shape decides which resources exist, so they are plain values. */
    readonly settings: ControlPlaneSettings;
    /**
     * The plug-in CA for istiod. When given, the `cacerts` Secret is created in the Istio namespace and istiod
     * waits for it; without it, istiod generates its own self-signed CA.
     */
    readonly pluginCa?: pulumi.Input<PluginCaCertificates>;
    /** The Gateway API CRDs the stack manages: applied after the base chart and before istiod, in Istio's order. */
    readonly gatewayApiCrds?: GatewayApiCrdsArgs;
}

/** The label every object of the mesh stack carries, beside Istio's own. */
export const PART_OF_LABEL = { "app.kubernetes.io/part-of": "istio" } as const;

export class ControlPlane extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:ControlPlane";

    static isInstance(obj: unknown): obj is ControlPlane {
        return obj instanceof ControlPlane;
    }

    /** The Istio namespace (istiod, the CA Secret, the mesh root namespace). */
    readonly namespace: pulumi.Output<string>;
    /** The default tag's revision. */
    readonly revision: string;
    readonly version: string;
    /** Istio's CRDs and cluster-wide resources; Istio custom resources depend on it. */
    readonly base: k8s.helm.v4.Chart;
    /** One istiod per revision, by revision name, each ready before anything that depends on it. */
    readonly istiods: Readonly<Record<string, k8s.helm.v4.Chart>>;
    readonly cacerts?: k8s.core.v1.Secret;
    readonly gatewayApiCrds?: GatewayApiCrds;

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ControlPlane.__pulumiType, name, {}, opts);
        const { settings } = args;
        this.revision = settings.istio.revision;
        this.version = settings.istio.version.text;

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            // The network label tells every istiod of the mesh which network this cluster's workloads are on.
            { metadata: { name: settings.namespace, labels: { ...PART_OF_LABEL, ...networkLabels(settings.multiCluster.network) } } },
            { parent: this },
        );
        this.namespace = namespace.metadata.name;

        if (args.pluginCa !== undefined) {
            this.cacerts = new k8s.core.v1.Secret(
                `${name}-cacerts`,
                {
                    metadata: { name: CACERTS_SECRET_NAME, namespace: this.namespace, labels: { ...PART_OF_LABEL } },
                    type: "Opaque",
                    stringData: pulumi.secret(pulumi.output(args.pluginCa).apply(cacertsSecretData)),
                },
                { parent: this, dependsOn: [namespace] },
            );
        }

        const webhooks = webhookOwnershipTransform({
            validationFailurePolicy: settings.webhooks.validationFailurePolicy,
            neverInjectNamespaces: settings.webhooks.neverInjectNamespaces,
        });

        this.base = new k8s.helm.v4.Chart(
            `${name}-base`,
            {
                // CRDs from the newest revision's release: Istio's CRDs are backward compatible, and a canary
                // revision needs its own.
                ...chartReference("base", settings.istio.baseVersion, settings.charts),
                name: "istio-base",
                namespace: this.namespace,
                values: baseValues(settings),
            },
            { parent: this, dependsOn: [namespace], transforms: [webhooks] },
        );

        if (args.gatewayApiCrds !== undefined) {
            this.gatewayApiCrds = new GatewayApiCrds(`${name}-gateway-api`, args.gatewayApiCrds, { parent: this, dependsOn: [this.base] });
        }
        // CRDs first (Istio's, then the Gateway API's); and the CA Secret, or istiod starts with a self-signed CA of its own.
        const istiodNeeds: pulumi.Resource[] = [this.base, ...(this.cacerts ? [this.cacerts] : []), ...(this.gatewayApiCrds ? [this.gatewayApiCrds] : [])];
        const istiods: Record<string, k8s.helm.v4.Chart> = {};
        for (const revision of settings.istio.revisions) {
            istiods[revision.name] = new k8s.helm.v4.Chart(
                `${name}-istiod-${revision.name}`,
                {
                    ...chartReference("istiod", revision.version, settings.charts),
                    name: `istiod-${revision.name}`,
                    namespace: this.namespace,
                    // One prefix for every revision: a revision tag's webhook keeps its name, and so its identity in
                    // the stack, when the tag moves from one revision's chart to another's (an update, not a
                    // delete and re-create of the same object). Every other object's name carries its revision.
                    resourcePrefix: `${name}-istiod`,
                    values: istiodValues(settings, revision),
                },
                {
                    parent: this,
                    dependsOn: istiodNeeds,
                    // The readiness gate, not the Service await (a fixed 10 s), says when istiod serves. One transform,
                    // so that each object of the chart is sent to the program once (program/composedTransforms.ts).
                    transforms: [composedTransforms(webhooks, skipServiceAwaitTransform)],
                },
            );
        }
        this.istiods = istiods;

        this.registerOutputs({
            namespace: this.namespace,
            revision: this.revision,
            version: this.version,
        });
    }

    /** The istiod charts, for `dependsOn` of whatever needs the control plane ready (gateways, workloads). */
    get ready(): k8s.helm.v4.Chart[] {
        return Object.values(this.istiods);
    }
}
