/**
 * Values for Istio's `gateway` chart, one gateway at a time. Pure.
 */
import { DEFAULT_TAG } from "../config/enrollment";
import { GatewaySettings } from "../config/gateways";
import { deepMerge } from "../config/overrides";
import { nonEmpty, ResourceRequirements } from "../config/primitives";

export interface GatewayChartValues {
    readonly name: string;
    /** istio.io/rev of the gateway's pods: a tag moves the gateway with the tag; "" follows the default tag. */
    readonly revision: string;
    readonly service: {
        readonly type: string;
        readonly ports: readonly { name: string; port: number; targetPort: number; protocol: string }[];
        readonly annotations: Readonly<Record<string, string>>;
        readonly loadBalancerClass?: string;
        readonly loadBalancerIP?: string;
        readonly loadBalancerSourceRanges?: readonly string[];
        readonly externalTrafficPolicy?: string;
    };
    /** The chart's one key for labels of the Deployment, its pods and the Service. */
    readonly labels: Readonly<Record<string, string>>;
    readonly replicaCount?: number;
    readonly autoscaling: {
        readonly enabled: boolean;
        readonly minReplicas?: number;
        readonly maxReplicas?: number;
        readonly targetCPUUtilizationPercentage?: number;
    };
    readonly podDisruptionBudget: { readonly minAvailable?: number };
    readonly resources: ResourceRequirements;
    readonly imagePullSecrets: readonly { readonly name: string }[];
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations?: readonly unknown[];
    readonly affinity?: Readonly<Record<string, unknown>>;
    readonly topologySpreadConstraints?: readonly unknown[];
    readonly priorityClassName?: string;
    readonly podAnnotations?: Readonly<Record<string, string>>;
}

/**
 * `pullSecrets`: the image pull secrets of the mesh (images.pullSecrets); `override`: the configuration's
 * values.gateway, merged over the stack's own values, then the gateway's own `values`.
 */
export function gatewayValues(gateway: GatewaySettings, pullSecrets: readonly string[], override?: Readonly<Record<string, unknown>>): GatewayChartValues {
    const target = gateway.target;
    const own: GatewayChartValues = {
        name: gateway.name,
        // The default tag's injector picks up unlabeled gateway pods (sidecar.istio.io/inject=true); any other tag or
        // revision is named, so the gateway moves when its tag moves.
        revision: "tag" in target ? (target.tag === DEFAULT_TAG ? "" : target.tag) : target.revision,
        service: {
            type: gateway.serviceType,
            ports: gateway.ports.map((port) => ({ ...port })),
            annotations: gateway.serviceAnnotations,
            ...gateway.loadBalancer,
        },
        labels: { ...gateway.serviceLabels, ...gateway.pod.podLabels },
        ...(gateway.autoscale === undefined ? { replicaCount: gateway.replicas } : {}),
        autoscaling:
            gateway.autoscale === undefined
                ? { enabled: false }
                : {
                      enabled: true,
                      minReplicas: gateway.autoscale.min,
                      maxReplicas: gateway.autoscale.max,
                      targetCPUUtilizationPercentage: gateway.targetCpuUtilization,
                  },
        // {} renders no budget: the chart's way to say none.
        podDisruptionBudget: gateway.disruptionBudget === undefined ? {} : { minAvailable: gateway.disruptionBudget.minAvailable },
        resources: gateway.resources,
        imagePullSecrets: pullSecrets.map((name) => ({ name })),
        ...nonEmpty({
            nodeSelector: gateway.pod.nodeSelector,
            tolerations: gateway.pod.tolerations,
            affinity: gateway.pod.affinity as Record<string, unknown>,
            topologySpreadConstraints: gateway.pod.topologySpreadConstraints,
            priorityClassName: gateway.pod.priorityClassName,
            podAnnotations: gateway.pod.podAnnotations,
        }),
    };
    return deepMerge(own, override, gateway.values);
}

/** The `istio` label Istio's gateway chart puts on the gateway's pods; Gateway resources select on it. */
export function gatewaySelector(gatewayName: string): { istio: string } {
    return { istio: gatewayName.replace(/^istio-/, "") };
}
