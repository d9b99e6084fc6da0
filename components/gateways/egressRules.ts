/**
 * Egress lock-down as Istio documents it ("Egress Gateways"): for each allowed external host, a ServiceEntry makes
 * it known to the mesh, a Gateway on the egress gateway accepts it, a DestinationRule names the subset, and a
 * VirtualService sends the sidecars' traffic to the egress gateway and the egress gateway's traffic out. With
 * outboundTrafficPolicy REGISTRY_ONLY nothing else leaves. Pure: the objects' exact specs.
 */
import { AllowedHost } from "../config/gateways";
import { gatewaySelector } from "./values";

export interface IstioObject {
    readonly apiVersion: string;
    readonly kind: "ServiceEntry" | "Gateway" | "VirtualService" | "DestinationRule";
    readonly name: string;
    readonly namespace: string;
    readonly spec: Record<string, unknown>;
}

export interface EgressGatewayRef {
    readonly name: string;
    readonly namespace: string;
}

/** A DNS-1123 object name from a host name: api.stripe.com -> api-stripe-com. */
export function hostSlug(host: string): string {
    return host.replace(/^\*\./, "wildcard.").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

const NETWORKING = "networking.istio.io/v1";

export function egressObjects(gateway: EgressGatewayRef, allowed: AllowedHost): IstioObject[] {
    const slug = `${hostSlug(allowed.host)}-${allowed.port}`;
    const gatewayHost = `${gateway.name}.${gateway.namespace}.svc.cluster.local`;
    const passthrough = allowed.protocol !== "HTTP";
    // The egress gateway listens on 443 for TLS (passed through, never terminated) and on 80 for plain HTTP.
    const gatewayPort = passthrough ? 443 : 80;
    const portName = passthrough ? "tls" : "http";
    const portProtocol = passthrough ? "TLS" : "HTTP";
    const gatewayRef = `${gateway.namespace}/${slug}`;

    const serviceEntry: IstioObject = {
        apiVersion: NETWORKING,
        kind: "ServiceEntry",
        name: slug,
        namespace: gateway.namespace,
        spec: {
            hosts: [allowed.host],
            ports: [{ number: allowed.port, name: `${portName}-${allowed.port}`, protocol: portProtocol }],
            resolution: "DNS",
            location: "MESH_EXTERNAL",
            exportTo: ["*"],
        },
    };
    const istioGateway: IstioObject = {
        apiVersion: NETWORKING,
        kind: "Gateway",
        name: slug,
        namespace: gateway.namespace,
        spec: {
            selector: gatewaySelector(gateway.name),
            servers: [
                {
                    port: { number: gatewayPort, name: `${portName}-${slug}`, protocol: portProtocol },
                    hosts: [allowed.host],
                    ...(passthrough ? { tls: { mode: "PASSTHROUGH" } } : {}),
                },
            ],
        },
    };
    const destinationRule: IstioObject = {
        apiVersion: NETWORKING,
        kind: "DestinationRule",
        name: slug,
        namespace: gateway.namespace,
        spec: { host: gatewayHost, subsets: [{ name: slug }], exportTo: ["*"] },
    };
    const toGateway = { destination: { host: gatewayHost, subset: slug, port: { number: gatewayPort } } };
    const toHost = { destination: { host: allowed.host, port: { number: allowed.port } }, weight: 100 };
    const virtualService: IstioObject = {
        apiVersion: NETWORKING,
        kind: "VirtualService",
        name: slug,
        namespace: gateway.namespace,
        spec: {
            hosts: [allowed.host],
            gateways: ["mesh", gatewayRef],
            exportTo: ["*"],
            ...(passthrough
                ? {
                      tls: [
                          { match: [{ gateways: ["mesh"], port: allowed.port, sniHosts: [allowed.host] }], route: [toGateway] },
                          { match: [{ gateways: [gatewayRef], port: gatewayPort, sniHosts: [allowed.host] }], route: [toHost] },
                      ],
                  }
                : {
                      http: [
                          { match: [{ gateways: ["mesh"], port: allowed.port }], route: [toGateway] },
                          { match: [{ gateways: [gatewayRef], port: gatewayPort }], route: [toHost] },
                      ],
                  }),
        },
    };
    return [serviceEntry, istioGateway, destinationRule, virtualService];
}

/** The Istio Gateway that serves an ingress gateway's hosts: HTTPS with the host's credential, or plain HTTP. */
export function ingressGatewayObject(
    gateway: EgressGatewayRef,
    hosts: readonly { host: string; tlsCredential?: string }[],
): IstioObject {
    return {
        apiVersion: NETWORKING,
        kind: "Gateway",
        name: gateway.name,
        namespace: gateway.namespace,
        spec: {
            selector: gatewaySelector(gateway.name),
            servers: hosts.map((host) =>
                host.tlsCredential !== undefined
                    ? {
                          port: { number: 443, name: `https-${hostSlug(host.host)}`, protocol: "HTTPS" },
                          hosts: [host.host],
                          tls: { mode: "SIMPLE", credentialName: host.tlsCredential },
                      }
                    : { port: { number: 80, name: `http-${hostSlug(host.host)}`, protocol: "HTTP" }, hosts: [host.host] },
            ),
        },
    };
}
