/**
 * Values for Istio's `ztunnel` chart (the ambient node proxy), built from typed inputs. Pure: the chart receives
 * exactly what this returns. Unlike Istio's other charts, ztunnel reads hub, tag and the Istio namespace at the top
 * level, not under `global`.
 */
import { ResourceRequirements } from "../config/primitives";

export interface ZtunnelInputs {
    /** The istiod revision ztunnel takes its configuration and certificates from (istiod-<revision>:15012). */
    readonly revision: string;
    readonly istioNamespace: string;
    readonly hub: string;
    /** The release of that revision: node proxies are never newer than the istiod they talk to. */
    readonly tag: string;
    readonly imagePullSecrets: readonly string[];
    /** Istio's platform profile (gke, openshift, k3s, ...); gke's adds the ResourceQuota its node-critical pods need. */
    readonly platform?: string;
    /** A ResourceQuota for system-node-critical pods in ztunnel's namespace (GKE outside kube-system). */
    readonly resourceQuota: boolean;
    readonly clusterName?: string;
    readonly network?: string;
    readonly resources: ResourceRequirements;
}

export interface ZtunnelChartValues {
    readonly revision: string;
    readonly istioNamespace: string;
    readonly hub: string;
    readonly tag: string;
    readonly imagePullSecrets: readonly string[];
    readonly global?: { readonly platform: string };
    readonly resourceQuotas: { readonly enabled: boolean };
    readonly multiCluster?: { readonly clusterName: string };
    readonly network?: string;
    readonly resources: ResourceRequirements;
}

export function ztunnelValues(inputs: ZtunnelInputs): ZtunnelChartValues {
    return {
        revision: inputs.revision,
        istioNamespace: inputs.istioNamespace,
        hub: inputs.hub,
        tag: inputs.tag,
        imagePullSecrets: inputs.imagePullSecrets,
        ...(inputs.platform !== undefined ? { global: { platform: inputs.platform } } : {}),
        resourceQuotas: { enabled: inputs.resourceQuota },
        ...(inputs.clusterName !== undefined ? { multiCluster: { clusterName: inputs.clusterName } } : {}),
        ...(inputs.network !== undefined ? { network: inputs.network } : {}),
        resources: inputs.resources,
    };
}
