/**
 * Values for Istio's `gateway` chart, one gateway at a time. Pure.
 */
import { DEFAULT_TAG } from "../config/enrollment";
import { GatewaySettings } from "../config/gateways";
import { ResourceRequirements } from "../config/primitives";

export interface GatewayChartValues {
    readonly name: string;
    /** istio.io/rev of the gateway's pods: a tag moves the gateway with the tag; "" follows the default tag. */
    readonly revision: string;
    readonly service: {
        readonly type: string;
        readonly ports: readonly { name: string; port: number; targetPort: number; protocol: string }[];
        readonly annotations: Readonly<Record<string, string>>;
    };
    readonly labels: Readonly<Record<string, string>>;
    readonly replicaCount?: number;
    readonly autoscaling: {
        readonly enabled: boolean;
        readonly minReplicas?: number;
        readonly maxReplicas?: number;
    };
    readonly podDisruptionBudget: { readonly minAvailable?: number };
    readonly resources: ResourceRequirements;
    readonly imagePullSecrets: readonly { readonly name: string }[];
}

/** `pullSecrets`: the image pull secrets of the mesh (images.pullSecrets). */
export function gatewayValues(gateway: GatewaySettings, pullSecrets: readonly string[]): GatewayChartValues {
    const target = gateway.target;
    return {
        name: gateway.name,
        // The default tag's injector picks up unlabeled gateway pods (sidecar.istio.io/inject=true); any other tag or
        // revision is named, so the gateway moves when its tag moves.
        revision: "tag" in target ? (target.tag === DEFAULT_TAG ? "" : target.tag) : target.revision,
        service: {
            type: gateway.serviceType,
            ports: gateway.ports.map((port) => ({ ...port })),
            annotations: gateway.serviceAnnotations,
        },
        labels: gateway.serviceLabels,
        ...(gateway.autoscale === undefined ? { replicaCount: gateway.replicas } : {}),
        autoscaling:
            gateway.autoscale === undefined
                ? { enabled: false }
                : { enabled: true, minReplicas: gateway.autoscale.min, maxReplicas: gateway.autoscale.max },
        // {} renders no budget: the chart's way to say none.
        podDisruptionBudget: gateway.disruptionBudget === undefined ? {} : { minAvailable: gateway.disruptionBudget.minAvailable },
        resources: gateway.resources,
        imagePullSecrets: pullSecrets.map((name) => ({ name })),
    };
}

/** The `istio` label Istio's gateway chart puts on the gateway's pods; Gateway resources select on it. */
export function gatewaySelector(gatewayName: string): { istio: string } {
    return { istio: gatewayName.replace(/^istio-/, "") };
}
