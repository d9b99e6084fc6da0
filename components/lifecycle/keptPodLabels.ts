/**
 * What an existing istiod keeps when the stack takes it over: the `app.kubernetes.io/instance` label of its pod
 * template. Istio's charts write the Helm release name there, so it names whoever installed istiod (istioctl renders
 * `istio`, a Helm install its release's name, this stack `istiod-<revision>`); it selects nothing (istiod's selectors
 * are `app` and `istio.io/rev`), yet a new value changes the pod template and rolls istiod's pods. So the stack applies
 * the value the live Deployment already has, read with the revisions before anything is registered: an adopted istiod
 * keeps its pods, and an istiod the stack created keeps the stack's value (the same as the chart's).
 */
import * as pulumi from "@pulumi/pulumi";

export const INSTANCE_LABEL = "app.kubernetes.io/instance";
const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";

interface DeploymentObject {
    readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
    readonly spec?: {
        readonly template?: { readonly metadata?: { readonly labels?: Record<string, string>; readonly [key: string]: unknown }; readonly [key: string]: unknown };
        readonly [key: string]: unknown;
    };
    readonly [key: string]: unknown;
}

/**
 * The Deployment with the live value of the instance label in its pod template, when the live Deployment of the same
 * name has one that differs; the object unchanged otherwise. `live`: Deployment name -> live label value. Pure.
 */
export function withKeptPodLabels<T extends DeploymentObject>(deployment: T, istioNamespace: string, live: Readonly<Record<string, string>>): T {
    const name = deployment.metadata?.name;
    const kept = name === undefined ? undefined : live[name];
    const labels = deployment.spec?.template?.metadata?.labels;
    if (kept === undefined || labels === undefined || labels[INSTANCE_LABEL] === undefined || labels[INSTANCE_LABEL] === kept) {
        return deployment;
    }
    if ((deployment.metadata?.namespace ?? istioNamespace) !== istioNamespace) {
        return deployment;
    }
    return {
        ...deployment,
        spec: {
            ...deployment.spec,
            template: { ...deployment.spec!.template, metadata: { ...deployment.spec!.template!.metadata, labels: { ...labels, [INSTANCE_LABEL]: kept } } },
        },
    };
}

/** The transform for the mesh's children: istiod's Deployments keep the live instance label (see above). */
export function keptPodLabelsTransform(istioNamespace: string, live: Readonly<Record<string, string>>): pulumi.ResourceTransform {
    return (args) => {
        if (args.type !== DEPLOYMENT_TYPE || Object.keys(live).length === 0) {
            return undefined;
        }
        const props = args.props as DeploymentObject;
        const kept = withKeptPodLabels(props, istioNamespace, live);
        return kept === props ? undefined : { props: kept, opts: args.opts };
    };
}
