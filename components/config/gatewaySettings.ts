/**
 * Typed settings for ingress and egress gateways and for egress lock-down.
 */
import { EnrollmentTarget, DEFAULT_TAG } from "./enrollmentSettings";
import { EgressProtocol, GatewayKind, ServiceType } from "./gatewaySchema";
import { ResourceRequirements } from "./primitives";
import { MeshConfigInput } from "./schema";

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

export function toGatewaySettings(input: MeshConfigInput): GatewaySettings[] {
    return (input.gateways ?? []).map((gateway) => {
        const fewestPods = gateway.autoscale?.min ?? gateway.replicas ?? 1;
        // One pod must stay during drains once there are two; Istio's chart makes the same choice.
        const minAvailable = gateway.disruptionBudget?.minAvailable ?? 1;
        return {
            name: gateway.name,
            kind: gateway.kind,
            // Istio's documented namespaces: gateways apart from istiod, so their RBAC and scaling stay apart.
            namespace: gateway.namespace ?? (gateway.kind === "ingress" ? "istio-ingress" : "istio-egress"),
            target: gateway.revision !== undefined ? { revision: gateway.revision } : { tag: gateway.tag ?? DEFAULT_TAG },
            // Ingress faces clients (a cloud load balancer); egress is only reached from inside the mesh.
            serviceType: gateway.serviceType ?? (gateway.kind === "ingress" ? "LoadBalancer" : "ClusterIP"),
            ports: (gateway.ports ?? (gateway.kind === "ingress" ? INGRESS_PORTS : EGRESS_PORTS)).map((port) => ({
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
            autoscale: gateway.autoscale,
            disruptionBudget: fewestPods > minAvailable ? { minAvailable } : undefined,
            // Istio's chart requests for a gateway.
            resources: gateway.resources ?? { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
            hosts: (gateway.hosts ?? []).map((host) => ({ host: host.host, tlsCredential: host.tlsCredential })),
        };
    });
}

export function toEgressSettings(input: MeshConfigInput, gateways: readonly GatewaySettings[]): EgressSettings {
    const egressGateways = gateways.filter((gateway) => gateway.kind === "egress");
    return {
        // With exactly one egress gateway, it is the exit; with several, the configuration names one.
        gateway: input.egress?.gateway ?? (egressGateways.length === 1 ? egressGateways[0].name : undefined),
        allowedHosts: (input.egress?.allowedHosts ?? []).map((allowed) => ({
            host: allowed.host,
            // HTTPS on 443: most external APIs; TLS is passed through, never terminated at the gateway.
            port: allowed.port ?? 443,
            protocol: allowed.protocol ?? "HTTPS",
        })),
    };
}
