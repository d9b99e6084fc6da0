/**
 * The configuration of ingress and egress gateways (`mesh.gateways`) and of egress lock-down (`mesh.egress`).
 */
import { z } from "zod";
import { dns1123Label, dns1123Subdomain, positiveInt, resourcesSchema } from "./primitives";

export const GATEWAY_KINDS = ["ingress", "egress"] as const;
export type GatewayKind = (typeof GATEWAY_KINDS)[number];

export const SERVICE_TYPES = ["LoadBalancer", "NodePort", "ClusterIP"] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** Protocols an allowed external host may be reached with through the egress gateway. */
export const EGRESS_PROTOCOLS = ["HTTPS", "TLS", "HTTP"] as const;
export type EgressProtocol = (typeof EGRESS_PROTOCOLS)[number];

const portNumber = (example: number) =>
    z
        .number({ error: `allowed: a port number 1-65535, without quotes. Fix: e.g. ${example}` })
        .int({ error: `allowed: a whole port number 1-65535. Fix: e.g. ${example}` })
        .min(1, { error: `allowed: a port number 1-65535. Fix: e.g. ${example}` })
        .max(65535, { error: `allowed: a port number 1-65535. Fix: e.g. ${example}` });

// A DNS host name, optionally with one leading wildcard label (*.example.com), as Istio's hosts fields accept.
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const host = (example: string) =>
    z.string().regex(HOST, {
        error: `allowed: a fully qualified host name in lower case, optionally starting with '*.'. Fix: e.g. ${example}`,
    });

export const gatewayPortSchema = z.strictObject({
    name: dns1123Label("https"),
    port: portNumber(443),
    targetPort: portNumber(8443).optional(),
    protocol: z.enum(["TCP", "UDP"]).optional(),
});

export const ingressHostSchema = z.strictObject({
    host: host("shop.example.com"),
    tlsCredential: dns1123Subdomain("shop-example-com-tls").optional(),
});

export const gatewaySchema = z.strictObject({
    name: dns1123Label("istio-ingressgateway"),
    kind: z.enum(GATEWAY_KINDS),
    namespace: dns1123Label("istio-ingress").optional(),
    tag: dns1123Label("default").optional(),
    revision: dns1123Label("1-30-3").optional(),
    serviceType: z.enum(SERVICE_TYPES).optional(),
    ports: z.array(gatewayPortSchema).min(1, { error: "allowed: at least one port. Fix: remove the key for the defaults" }).optional(),
    serviceAnnotations: z.record(z.string(), z.string()).optional(),
    serviceLabels: z.record(z.string(), z.string()).optional(),
    replicas: positiveInt("gateway pods when autoscaling is off", 2).optional(),
    autoscale: z
        .strictObject({
            min: positiveInt("fewest gateway pods", 2),
            max: positiveInt("most gateway pods", 5),
        })
        .optional(),
    disruptionBudget: z.strictObject({ minAvailable: positiveInt("gateway pods kept during voluntary disruptions", 1) }).optional(),
    resources: resourcesSchema.optional(),
    hosts: z.array(ingressHostSchema).optional(),
});

export const allowedHostSchema = z.strictObject({
    host: host("api.stripe.com"),
    port: portNumber(443).optional(),
    protocol: z.enum(EGRESS_PROTOCOLS).optional(),
});

export const egressSchema = z.strictObject({
    gateway: dns1123Label("istio-egressgateway").optional(),
    allowedHosts: z.array(allowedHostSchema).optional(),
});
