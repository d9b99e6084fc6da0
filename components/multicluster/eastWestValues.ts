/**
 * The east-west gateway as Istio's multi-network install makes it, in the stack's terms: values for Istio's `gateway`
 * chart with `networkGateway` (the chart then labels the pods and Service with the network, gives the Service the
 * network gateway's ports 15021, 15443, 15012 and 15017, and sets ISTIO_META_REQUESTED_NETWORK_VIEW), and the
 * `cross-network-gateway` of Istio's samples/multicluster/expose-services.yaml, which passes mutual TLS from other
 * networks through to this network's services by SNI (AUTO_PASSTHROUGH on 15443). Pure functions.
 */
import { EastWestGatewaySettings } from "../config/multiCluster";
import { IstioObject } from "../gateways/egressRules";

/** The label Istio's samples select the east-west gateway's pods by. */
export const EAST_WEST_SELECTOR = { istio: "eastwestgateway" } as const;
/** The mTLS port of a network gateway (Istio's `tls` port of networkGatewayPorts). */
export const CROSS_NETWORK_PORT = 15443;

export interface EastWestChartValues {
    readonly name: string;
    /** "" follows the default tag, as the stack's other gateways do. */
    readonly revision: string;
    readonly networkGateway: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly replicaCount: number;
    readonly service: { readonly type: string; readonly annotations: Readonly<Record<string, string>> };
    readonly imagePullSecrets: readonly { readonly name: string }[];
}

export function eastWestGatewayValues(gateway: EastWestGatewaySettings, pullSecrets: readonly string[]): EastWestChartValues {
    return {
        name: gateway.name,
        // The default tag's injector picks up the gateway's pods, and the gateway moves with the default tag.
        revision: "",
        networkGateway: gateway.network,
        labels: { ...EAST_WEST_SELECTOR },
        replicaCount: gateway.replicas,
        // The chart takes the network gateway's ports from networkGatewayPorts (its defaults are Istio's).
        service: { type: gateway.serviceType, annotations: gateway.serviceAnnotations },
        imagePullSecrets: pullSecrets.map((name) => ({ name })),
    };
}

/** Istio's `cross-network-gateway`: every `*.local` service of this network, reachable from others through 15443. */
export function crossNetworkGatewayObject(namespace: string): IstioObject {
    return {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        name: "cross-network-gateway",
        namespace,
        spec: {
            selector: { ...EAST_WEST_SELECTOR },
            servers: [{ port: { number: CROSS_NETWORK_PORT, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
        },
    };
}
