/**
 * The Gateway API objects the stack declares, as pure functions: an ingress Gateway of class `istio` (istiod deploys
 * and scales it: Istio's automated deployment) with listeners from its hosts and TLS credentials, and waypoints
 * (class `istio-waypoint`) for an ambient namespace.
 */
import type { WaypointTraffic } from "../config/dataPlane";
import { ISTIO_GATEWAY_CLASS } from "../config/gatewayApi";
import { hostSlug } from "../gateways/egressRules";

export { ISTIO_GATEWAY_CLASS };

export const GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1";
/** Istio's class for ambient waypoint proxies. */
export const WAYPOINT_GATEWAY_CLASS = "istio-waypoint";
/** Labels a namespace or Service with the waypoint its traffic goes through. */
export const USE_WAYPOINT_LABEL = "istio.io/use-waypoint";
/** Says which traffic a waypoint handles: service, workload, all or none. */
export const WAYPOINT_FOR_LABEL = "istio.io/waypoint-for";
/** istiod's annotation for the Service type of a gateway it deploys (LoadBalancer by default). */
export const SERVICE_TYPE_ANNOTATION = "networking.istio.io/service-type";
/** The revision (or tag) whose istiod deploys a gateway; unlabeled gateways go to the default tag's revision. */
export const REVISION_LABEL = "istio.io/rev";

/** The CRDs these objects need: GatewayClass is created by istiod, Gateway by the stack. */
export const GATEWAY_CRDS = ["gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io"] as const;


export interface GatewayApiObject {
    readonly apiVersion: string;
    readonly kind: "Gateway";
    readonly metadata: {
        readonly name: string;
        readonly namespace: string;
        readonly labels?: Readonly<Record<string, string>>;
        readonly annotations?: Readonly<Record<string, string>>;
    };
    readonly spec: {
        readonly gatewayClassName: string;
        readonly listeners: readonly Listener[];
    };
}

export interface Listener {
    readonly name: string;
    readonly port: number;
    readonly protocol: "HTTP" | "HTTPS" | "HBONE";
    readonly hostname?: string;
    readonly tls?: { readonly mode: "Terminate"; readonly certificateRefs: readonly { readonly kind: "Secret"; readonly name: string }[] };
    readonly allowedRoutes?: { readonly namespaces: { readonly from: "All" | "Same" } };
}

export interface IngressGatewayInputs {
    readonly name: string;
    readonly namespace: string;
    readonly hosts: readonly { readonly host: string; readonly tlsCredential?: string }[];
    readonly serviceType: string;
    readonly serviceAnnotations: Readonly<Record<string, string>>;
    /** istio.io/rev of the gateway: a tag or revision; undefined follows the default tag. */
    readonly revision?: string;
}

/**
 * Listeners from the hosts: HTTPS on 443 terminating with the host's credential (a TLS Secret in the gateway's
 * namespace), plain HTTP on 80 otherwise; without hosts one HTTP listener for any host. Routes from every namespace
 * may attach: they live beside the applications.
 */
export function ingressListeners(hosts: IngressGatewayInputs["hosts"]): Listener[] {
    const fromAll = { namespaces: { from: "All" as const } };
    if (hosts.length === 0) {
        return [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: fromAll }];
    }
    return hosts.map((host): Listener =>
        host.tlsCredential !== undefined
            ? {
                  name: `https-${hostSlug(host.host)}`,
                  hostname: host.host,
                  port: 443,
                  protocol: "HTTPS",
                  tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: host.tlsCredential }] },
                  allowedRoutes: fromAll,
              }
            : { name: `http-${hostSlug(host.host)}`, hostname: host.host, port: 80, protocol: "HTTP", allowedRoutes: fromAll },
    );
}

export function ingressGatewayApiObject(inputs: IngressGatewayInputs): GatewayApiObject {
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: "Gateway",
        metadata: {
            name: inputs.name,
            namespace: inputs.namespace,
            ...(inputs.revision !== undefined ? { labels: { [REVISION_LABEL]: inputs.revision } } : {}),
            annotations: { ...inputs.serviceAnnotations, [SERVICE_TYPE_ANNOTATION]: inputs.serviceType },
        },
        spec: { gatewayClassName: ISTIO_GATEWAY_CLASS, listeners: ingressListeners(inputs.hosts) },
    };
}

export interface WaypointInputs {
    readonly name: string;
    readonly namespace: string;
    readonly trafficType: WaypointTraffic;
    readonly revision?: string;
}

/** A waypoint as `istioctl waypoint generate` writes it: one HBONE listener on 15008. */
export function waypointObject(inputs: WaypointInputs): GatewayApiObject {
    return {
        apiVersion: GATEWAY_API_VERSION,
        kind: "Gateway",
        metadata: {
            name: inputs.name,
            namespace: inputs.namespace,
            labels: { [WAYPOINT_FOR_LABEL]: inputs.trafficType, ...(inputs.revision !== undefined ? { [REVISION_LABEL]: inputs.revision } : {}) },
        },
        spec: { gatewayClassName: WAYPOINT_GATEWAY_CLASS, listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }] },
    };
}
