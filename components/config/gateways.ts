/**
 * Gateways and egress: ingress and egress gateways (`mesh.gateways`) and egress lock-down (`mesh.egress`). Schema,
 * in-section checks, defaults and the derivations both use.
 */
import { z } from "zod";
import { enrollmentTarget, EnrollmentTarget } from "./enrollment";
import { gatewayClassField } from "./gatewayApi";
import { ConfigIssue, duplicates } from "./issues";
import { chartValuesSchema, overrideIssues } from "./overrides";
import {
    dns1123Label,
    dns1123Subdomain,
    nonEmpty,
    PodConfig,
    podFields,
    PodSettings,
    positiveInt,
    ResourceRequirements,
    ResourcesConfig,
    resourcesSchema,
    toPodSettings,
} from "./primitives";

// ---- configuration as written (the Mesh component's args and the stack file's keys)

/** One port of a gateway's Service. */
export interface GatewayPortConfig {
    /** The port's name (Istio reads the protocol from its prefix, e.g. `https`). @default required */
    readonly name: string;
    /** The Service port. @default required */
    readonly port: number;
    /** The port the gateway pod listens on. @default the port */
    readonly targetPort?: number;
    /** @default `TCP` */
    readonly protocol?: "TCP" | "UDP";
}

/** A host an ingress gateway serves. */
export interface IngressHostConfig {
    /** A host name, optionally `*.` first (ingress only; egress.allowedHosts take no wildcard). @default required */
    readonly host: string;
    /** A TLS Secret in the gateway's namespace; without it the host is served on plain HTTP. @default none */
    readonly tlsCredential?: string;
}

/** An ingress or egress gateway. */
export interface GatewayConfig extends PodConfig {
    /** The Deployment and Service name. @default required */
    readonly name: string;
    /** `ingress` or `egress`. @default required */
    readonly kind: GatewayKind;
    /**
     * Istio's documented namespaces, apart from istiod; shared by the gateways there (one Namespace), never a namespace
     * that is not injected (the Istio namespace, Kubernetes' own). @default `istio-ingress` / `istio-egress`
     */
    readonly namespace?: string;
    /** The gateway's pods move with the tag during an upgrade. @default the default tag */
    readonly tag?: string;
    /** Pins the gateway to a revision; not with `tag`. @default none */
    readonly revision?: string;
    /** @default `LoadBalancer` for ingress, `ClusterIP` for egress */
    readonly serviceType?: ServiceType;
    /** `{name, port, targetPort, protocol}`. @default Istio's (15021, 80, 443; egress 80, 443) */
    readonly ports?: readonly GatewayPortConfig[];
    /** Cloud load balancer settings. @default `{}` */
    readonly serviceAnnotations?: Readonly<Record<string, string>>;
    /** Labels of the Service. @default `{}` */
    readonly serviceLabels?: Readonly<Record<string, string>>;
    /** Pods when autoscaling is off. @default `1` */
    readonly replicas?: number;
    /** A HorizontalPodAutoscaler between min and max pods. @default none */
    readonly autoscale?: {
        /** @default required */
        readonly min: number;
        /** @default required */
        readonly max: number;
        /** Percent of requested CPU the autoscaler keeps. @default `80` (Istio's chart) */
        readonly targetCpuUtilization?: number;
    };
    /** The Service's load balancer implementation (LoadBalancer only). @default the cluster's */
    readonly loadBalancerClass?: string;
    /** A fixed address for the load balancer, where the cloud supports it (LoadBalancer only). @default none */
    readonly loadBalancerIP?: string;
    /** Client CIDRs the load balancer admits (LoadBalancer only). @default `[]` (every client) */
    readonly loadBalancerSourceRanges?: readonly string[];
    /** `Local` keeps client addresses and skips the extra hop (LoadBalancer and NodePort only). @default Kubernetes' (`Cluster`) */
    readonly externalTrafficPolicy?: "Cluster" | "Local";
    /** Values of this gateway's chart, merged over `values.gateway` and the stack's own. @default `{}` */
    readonly values?: Readonly<Record<string, unknown>>;
    readonly disruptionBudget?: {
        /** Pods kept during voluntary disruptions. @default `1`, only when more than one pod runs */
        readonly minAvailable: number;
    };
    /** @default requests `100m`, `128Mi`; limits `2`, `1Gi` (Istio's chart values) */
    readonly resources?: ResourcesConfig;
    /**
     * Ingress only: an Istio `Gateway` serving each host, HTTPS with `tlsCredential` (a TLS Secret in the gateway's
     * namespace) or plain HTTP. @default `[]`
     */
    readonly hosts?: readonly IngressHostConfig[];
    /**
     * `istio`: a Gateway API `Gateway` of class `istio`, which istiod deploys and scales (Deployment and Service
     * `<name>-istio`), listeners from `hosts`; ingress only, without the chart's keys. @default none (Istio's `gateway` chart)
     */
    readonly gatewayClass?: "istio";
}

/** An external host that may be reached through the egress gateway. */
export interface AllowedHostConfig {
    /** @default required */
    readonly host: string;
    /** @default `443` */
    readonly port?: number;
    /** `HTTPS`, `TLS` (passed through) or `HTTP`. @default `HTTPS` */
    readonly protocol?: EgressProtocol;
}

/** Egress lock-down. */
export interface EgressConfig {
    /** Required with several egress gateways. @default the only egress gateway */
    readonly gateway?: string;
    /**
     * `{host, port: 443, protocol: HTTPS|TLS|HTTP}`; each becomes Istio's egress-gateway pattern (ServiceEntry, Gateway,
     * DestinationRule, VirtualService). Requires `REGISTRY_ONLY` and an egress gateway; no wildcard hosts (list each
     * host). @default `[]`
     */
    readonly allowedHosts?: readonly AllowedHostConfig[];
}

// ---- schema

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

// Kubernetes' IANA_SVC_NAME: at most 15 characters, lowercase letters, digits and '-', with at least one letter.
const SERVICE_PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Kubernetes' DNS-1035 label, the rule for Service names: it starts with a letter.
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// IPv4 or IPv6 CIDR.
const CIDR = /^(([0-9]{1,3}\.){3}[0-9]{1,3}\/[0-9]{1,2}|[0-9a-fA-F:]+\/[0-9]{1,3})$/;

export const gatewayPortSchema = z.strictObject({
    name: z
        .string()
        .max(15, { error: "allowed: a Service port name of at most 15 characters. Fix: shorten it, e.g. https" })
        .regex(SERVICE_PORT_NAME, {
            error: "allowed: a Service port name (lowercase letters, digits and '-', with a letter; Istio reads the protocol from its prefix). Fix: e.g. https-admin",
        }),
    port: portNumber(443),
    targetPort: portNumber(8443).optional(),
    protocol: z.enum(["TCP", "UDP"]).optional(),
});

export const ingressHostSchema = z.strictObject({
    host: host("shop.example.com"),
    tlsCredential: dns1123Subdomain("shop-example-com-tls").optional(),
});

export const gatewaySchema = z.strictObject({
    // The Deployment, Service and ServiceAccount name: a Service name starts with a letter.
    name: dns1123Label("istio-ingressgateway").regex(DNS1035_LABEL, {
        error: "allowed: a Service name, which starts with a letter. Fix: e.g. istio-ingressgateway",
    }),
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
            targetCpuUtilization: z
                .number()
                .int()
                .min(1, { error: "allowed: 1 to 100 (percent of requested CPU). Fix: e.g. 80" })
                .max(100, { error: "allowed: 1 to 100 (percent of requested CPU). Fix: e.g. 80" })
                .optional(),
        })
        .optional(),
    loadBalancerClass: z.string().min(1).optional(),
    loadBalancerIP: z.string().min(1).optional(),
    loadBalancerSourceRanges: z.array(z.string().regex(CIDR, { error: "allowed: a CIDR such as 203.0.113.0/24. Fix: e.g. 10.0.0.0/8" })).optional(),
    externalTrafficPolicy: z.enum(["Cluster", "Local"]).optional(),
    values: chartValuesSchema.optional(),
    ...podFields,
    disruptionBudget: z.strictObject({ minAvailable: positiveInt("gateway pods kept during voluntary disruptions", 1) }).optional(),
    resources: resourcesSchema.optional(),
    hosts: z.array(ingressHostSchema).optional(),
    ...gatewayClassField,
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
export type GatewayInput = z.infer<typeof gatewaySchema>;
export type EgressInput = z.infer<typeof egressSchema>;

// ---- settings

export interface GatewayPort {
    readonly name: string;
    readonly port: number;
    readonly targetPort: number;
    readonly protocol: "TCP" | "UDP";
}

export interface IngressHost {
    readonly host: string;
    /** A kubernetes.io/tls Secret in the gateway's namespace; without it the host is served on plain HTTP. */
    readonly tlsCredential?: string;
}

export interface GatewaySettings {
    readonly name: string;
    readonly kind: GatewayKind;
    readonly namespace: string;
    readonly target: EnrollmentTarget;
    readonly serviceType: ServiceType;
    readonly ports: readonly GatewayPort[];
    readonly serviceAnnotations: Readonly<Record<string, string>>;
    readonly serviceLabels: Readonly<Record<string, string>>;
    readonly replicas: number;
    readonly autoscale?: { readonly min: number; readonly max: number };
    /** Rendered only when more than one pod runs: a budget on one pod blocks every drain. */
    readonly disruptionBudget?: { readonly minAvailable: number };
    readonly resources: ResourceRequirements;
    readonly hosts: readonly IngressHost[];
    readonly pod: PodSettings;
    /** The Service's load-balancer keys that are set. */
    readonly loadBalancer: {
        readonly loadBalancerClass?: string;
        readonly loadBalancerIP?: string;
        readonly loadBalancerSourceRanges?: readonly string[];
        readonly externalTrafficPolicy?: "Cluster" | "Local";
    };
    /** Percent of requested CPU the autoscaler keeps. */
    readonly targetCpuUtilization: number;
    /** The gateway's own chart override. */
    readonly values: Readonly<Record<string, unknown>>;
    /** A Gateway API Gateway of this class, which istiod deploys; undefined: Istio's gateway chart. */
    readonly gatewayClass?: "istio";
}

export interface AllowedHost {
    readonly host: string;
    readonly port: number;
    readonly protocol: EgressProtocol;
}

export interface EgressSettings {
    /** The egress gateway that allowed traffic leaves through; set whenever allowedHosts is not empty. */
    readonly gateway?: string;
    readonly allowedHosts: readonly AllowedHost[];
}

/** Istio's own gateway ports: status, HTTP and HTTPS, with unprivileged target ports. */
const INGRESS_PORTS: readonly GatewayPort[] = [
    { name: "status-port", port: 15021, targetPort: 15021, protocol: "TCP" },
    { name: "http2", port: 80, targetPort: 80, protocol: "TCP" },
    { name: "https", port: 443, targetPort: 443, protocol: "TCP" },
];
const EGRESS_PORTS: readonly GatewayPort[] = [
    { name: "http2", port: 80, targetPort: 80, protocol: "TCP" },
    { name: "https", port: 443, targetPort: 443, protocol: "TCP" },
];

// ---- derivations (checks and defaults both use them)

/** A gateway's fewest pods and the budget's floor. */
function gatewayPods(gateway: GatewayInput): { fewestPods: number; minAvailable: number } {
    // One pod unless replicas or autoscale say otherwise.
    const fewestPods = gateway.autoscale?.min ?? gateway.replicas ?? 1;
    // One pod must stay during drains once there are two; Istio's chart makes the same choice.
    const minAvailable = gateway.disruptionBudget?.minAvailable ?? 1;
    return { fewestPods, minAvailable };
}

/** Istio's documented namespaces: gateways apart from istiod, so their RBAC and scaling stay apart. */
export function gatewayNamespaceOf(gateway: { kind: GatewayKind; namespace?: string }): string {
    return gateway.namespace ?? (gateway.kind === "ingress" ? "istio-ingress" : "istio-egress");
}

/** Ingress faces clients (a cloud load balancer); egress is only reached from inside the mesh. */
function serviceTypeOf(gateway: GatewayInput): ServiceType {
    return gateway.serviceType ?? (gateway.kind === "ingress" ? "LoadBalancer" : "ClusterIP");
}

/** The ports as written, or Istio's own for the gateway's kind. */
function portsOf(gateway: GatewayInput): readonly { name: string; port: number; targetPort?: number; protocol?: "TCP" | "UDP" }[] {
    return gateway.ports ?? (gateway.kind === "ingress" ? INGRESS_PORTS : EGRESS_PORTS);
}

// ---- defaults

export function toGatewaySettings(gateways: readonly GatewayInput[] | undefined): GatewaySettings[] {
    return (gateways ?? []).map((gateway) => {
        const { fewestPods, minAvailable } = gatewayPods(gateway);
        return {
            name: gateway.name,
            kind: gateway.kind,
            namespace: gatewayNamespaceOf(gateway),
            target: enrollmentTarget(gateway),
            serviceType: serviceTypeOf(gateway),
            ports: portsOf(gateway).map((port) => ({
                name: port.name,
                port: port.port,
                // Istio's gateway listens on the service port unless told otherwise.
                targetPort: port.targetPort ?? port.port,
                protocol: port.protocol ?? "TCP",
            })),
            serviceAnnotations: gateway.serviceAnnotations ?? {},
            serviceLabels: gateway.serviceLabels ?? {},
            // One pod in dev; production stacks set replicas or autoscale.
            replicas: gateway.replicas ?? 1,
            autoscale: gateway.autoscale === undefined ? undefined : { min: gateway.autoscale.min, max: gateway.autoscale.max },
            disruptionBudget: fewestPods > minAvailable ? { minAvailable } : undefined,
            // Istio's chart requests for a gateway.
            resources: gateway.resources ?? { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
            hosts: (gateway.hosts ?? []).map((host) => ({ host: host.host, tlsCredential: host.tlsCredential })),
            pod: toPodSettings(gateway),
            loadBalancer: nonEmpty({
                loadBalancerClass: gateway.loadBalancerClass,
                loadBalancerIP: gateway.loadBalancerIP,
                loadBalancerSourceRanges: gateway.loadBalancerSourceRanges,
                externalTrafficPolicy: gateway.externalTrafficPolicy,
            }),
            // Istio's chart default.
            targetCpuUtilization: gateway.autoscale?.targetCpuUtilization ?? 80,
            values: gateway.values ?? {},
            ...(gateway.gatewayClass !== undefined ? { gatewayClass: gateway.gatewayClass } : {}),
        };
    });
}

export function toEgressSettings(egress: EgressInput | undefined, gateways: readonly GatewaySettings[]): EgressSettings {
    const egressGateways = gateways.filter((gateway) => gateway.kind === "egress");
    return {
        // With exactly one egress gateway, it is the exit; with several, the configuration names one.
        gateway: egress?.gateway ?? (egressGateways.length === 1 ? egressGateways[0].name : undefined),
        allowedHosts: (egress?.allowedHosts ?? []).map((allowed) => ({
            host: allowed.host,
            // HTTPS on 443: most external APIs; TLS is passed through, never terminated at the gateway.
            port: allowed.port ?? 443,
            protocol: allowed.protocol ?? "HTTPS",
        })),
    };
}

// ---- checks


export function gatewayIssues(gateways: readonly GatewayInput[], egress: EgressInput | undefined): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const name of duplicates(gateways.map((gateway) => gateway.name))) {
        issues.push({ path: ["gateways"], given: name, message: `gateway "${name}" is listed twice. Fix: give each gateway its own name` });
    }
    gateways.forEach((gateway, index) => {
        const path = ["gateways", index];
        if (gateway.tag !== undefined && gateway.revision !== undefined) {
            issues.push({
                path: [...path, "revision"],
                given: gateway.revision,
                message: "tag and revision are mutually exclusive. Fix: keep tag to follow upgrades, or revision to pin the gateway",
            });
        }
        if (gateway.replicas !== undefined && gateway.autoscale !== undefined) {
            issues.push({
                path: [...path, "replicas"],
                given: gateway.replicas,
                message: "replicas and autoscale are mutually exclusive (the autoscaler owns the count). Fix: remove replicas",
            });
        }
        if (gateway.autoscale !== undefined && gateway.autoscale.min > gateway.autoscale.max) {
            issues.push({
                path: [...path, "autoscale", "max"],
                given: gateway.autoscale.max,
                message: `allowed: at least autoscale.min (${gateway.autoscale.min}). Fix: raise max or lower min`,
            });
        }
        const { fewestPods } = gatewayPods(gateway);
        if (gateway.disruptionBudget !== undefined && gateway.disruptionBudget.minAvailable >= fewestPods) {
            issues.push({
                path: [...path, "disruptionBudget", "minAvailable"],
                given: gateway.disruptionBudget.minAvailable,
                message: `a budget keeping ${gateway.disruptionBudget.minAvailable} of ${fewestPods} pod(s) blocks every node drain. Fix: run more pods or lower minAvailable`,
            });
        }
        const ports = portsOf(gateway);
        for (const [what, values] of [
            ["number", ports.map((port) => String(port.port))],
            ["name", ports.map((port) => port.name)],
        ] as const) {
            for (const repeated of duplicates(values)) {
                issues.push({
                    path: [...path, "ports"],
                    given: repeated,
                    message: `port ${what} ${repeated} is listed twice; the API server refuses a Service with it. Fix: give each port its own number and name`,
                });
            }
        }
        const serviceType = serviceTypeOf(gateway);
        for (const key of ["loadBalancerClass", "loadBalancerIP", "loadBalancerSourceRanges"] as const) {
            if (gateway[key] !== undefined && serviceType !== "LoadBalancer") {
                issues.push({
                    path: [...path, key],
                    given: gateway[key],
                    message: `applies to a LoadBalancer Service, and this gateway's is ${serviceType}. Fix: set serviceType: LoadBalancer, or remove ${key}`,
                });
            }
        }
        if (gateway.externalTrafficPolicy !== undefined && serviceType === "ClusterIP") {
            issues.push({
                path: [...path, "externalTrafficPolicy"],
                given: gateway.externalTrafficPolicy,
                message: "applies to LoadBalancer and NodePort Services, and this gateway's is ClusterIP. Fix: set serviceType, or remove externalTrafficPolicy",
            });
        }
        if (gateway.values !== undefined) {
            issues.push(...overrideIssues("gateway", gateway.values, [...path, "values"]));
        }
        if (gateway.kind === "egress" && gateway.hosts !== undefined) {
            issues.push({
                path: [...path, "hosts"],
                given: gateway.hosts,
                message: "hosts are served by ingress gateways. Fix: list external hosts in egress.allowedHosts instead",
            });
        }
    });

    const allowed = egress?.allowedHosts ?? [];
    const egressGateways = gateways.filter((gateway) => gateway.kind === "egress").map((gateway) => gateway.name);
    const named = egress?.gateway;
    if (named !== undefined && !egressGateways.includes(named)) {
        issues.push({
            path: ["egress", "gateway"],
            given: named,
            message: `allowed: an egress gateway of mesh.gateways (${egressGateways.join(", ") || "none declared"}). Fix: declare it with kind: egress`,
        });
    }
    if (allowed.length > 0 && egressGateways.length === 0) {
        issues.push({
            path: ["egress", "allowedHosts"],
            given: allowed.map((host) => host.host),
            message:
                "allowed hosts leave through an egress gateway, and none is declared. Fix: add a gateway with kind: egress " +
                "to mesh.gateways",
        });
    }
    if (allowed.length > 0 && named === undefined && egressGateways.length > 1) {
        issues.push({
            path: ["egress", "gateway"],
            message: `required with several egress gateways: the one allowed traffic leaves through. Fix: one of ${egressGateways.join(", ")}`,
        });
    }
    allowed.forEach((entry, index) => {
        if (entry.host.startsWith("*.")) {
            issues.push({
                path: ["egress", "allowedHosts", index, "host"],
                given: entry.host,
                message:
                    "a wildcard host cannot be routed through the egress gateway: its ServiceEntry would need DNS resolution of " +
                    "a wildcard, which istiod refuses, and the gateway would not know where to send it. Fix: list each host " +
                    `(e.g. ${entry.host.replace(/^\*\./, "api.")})`,
            });
        }
    });
    for (const host of duplicates(allowed.map((entry) => `${entry.host}:${entry.port ?? 443}`))) {
        issues.push({ path: ["egress", "allowedHosts"], given: host, message: `"${host}" is listed twice. Fix: keep one entry` });
    }
    return issues;
}
