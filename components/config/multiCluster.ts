/**
 * The cluster's place in a multi-cluster mesh (`mesh.multiCluster`): its name, mesh and network, the API server
 * address its peers' istiod read it at, the peers whose services this cluster's istiod reads (remote secrets), and
 * the east-west gateway of a cluster on a network of its own. Schema, in-section and cross-section checks, defaults.
 *
 * What is supported: multi-primary, on one network or several. Every cluster runs its own istiod and reads every
 * peer's API server; on several networks each cluster has an east-west gateway. Primary-remote (Istio's `remote`
 * profile, a cluster without istiod) is refused with that message.
 */
import { z } from "zod";
import { istioNamespaceOf } from "./controlPlane";
import { neverInjectNamespaces } from "./enrollment";
import { gatewayNamespaceOf } from "./gateways";
import { ConfigIssue, duplicates } from "./issues";
import { ISTIO_DEFAULT_CLUSTER_NAME, PkiInput } from "./pki";
import { dns1123Label, positiveInt } from "./primitives";
// A type only: sections.ts reads the whole schema, which reads this file.
import type { Sections } from "./sections";

// ---- configuration as written

/** A peer cluster whose services this cluster's istiod reads (a remote secret in the Istio namespace). */
export interface PeerConfig {
    /** The peer's `multiCluster.clusterName`: the remote secret's key and istiod's name for it. @default required */
    readonly name: string;
    /**
     * The peer's stack (`org/project/stack`), whose `readerKubeconfig` output the remote secret holds.
     * @default none: the program passes the kubeconfig (the Mesh's `peerKubeconfigs`)
     */
    readonly stack?: string;
}

/** Istio's `gateway` chart as this cluster's network gateway, with the `cross-network-gateway` on 15443. */
export interface EastWestGatewayConfig {
    /** A namespace of its own: the Istio namespace is never injected. @default `istio-eastwest` (Istio's samples use the Istio namespace) */
    readonly namespace?: string;
    /** Peers on other networks reach it from outside the cluster. @default `LoadBalancer` (peers on other networks must reach it) */
    readonly serviceType?: EastWestServiceType;
    /** Cloud load balancer settings (e.g. an internal load balancer). @default `{}` (none) */
    readonly serviceAnnotations?: Readonly<Record<string, string>>;
    /** Pods of the gateway. @default `1` (Istio's chart default) */
    readonly replicas?: number;
}

/** The cluster's place in a multi-cluster mesh; unset keys keep Istio's. */
export interface MultiClusterConfig {
    /** @default Istio's (from the trust domain) */
    readonly meshId?: string;
    /** Also written in the intermediate's subject. @default Istio's (`Kubernetes`) */
    readonly clusterName?: string;
    /** Labels the Istio namespace `topology.istio.io/network`. @default Istio's (one network) */
    readonly network?: string;
    /**
     * This cluster's API server as its peers' istiod reach it (`https://host:port`; the in-cluster address is of no
     * use elsewhere). With it the stack makes a long-lived token for Istio's reader ServiceAccount and exports
     * `readerKubeconfig` (a secret) for the peers' stacks. @default none (no peer reads this cluster)
     */
    readonly apiServer?: string;
    /** The clusters whose services this cluster's istiod reads: one remote secret each (none unless listed). */
    readonly peers?: readonly PeerConfig[];
    /** This cluster's network gateway, on several networks (none unless set). */
    readonly eastWestGateway?: EastWestGatewayConfig;
}

// ---- schema

export const EAST_WEST_SERVICE_TYPES = ["LoadBalancer", "NodePort", "ClusterIP"] as const;
export type EastWestServiceType = (typeof EAST_WEST_SERVICE_TYPES)[number];

const STACK_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

export const peerSchema = z.strictObject({
    name: dns1123Label("cluster-b"),
    stack: z
        .string()
        .regex(STACK_NAME, { error: "allowed: a stack name as `pulumi stack ls` shows it (org/project/stack). Fix: e.g. acme/istio-mesh/cluster-b" })
        .optional(),
});

export const eastWestGatewaySchema = z.strictObject({
    namespace: dns1123Label("istio-eastwest").optional(),
    serviceType: z.enum(EAST_WEST_SERVICE_TYPES).optional(),
    serviceAnnotations: z.record(z.string(), z.string()).optional(),
    replicas: positiveInt("pods of the east-west gateway", 2).optional(),
});

export const multiClusterSchema = z.strictObject({
    meshId: dns1123Label("mesh1").optional(),
    clusterName: dns1123Label("prod-eu-1").optional(),
    network: dns1123Label("network1").optional(),
    apiServer: z
        .string()
        .regex(/^https:\/\/[^\s/]+(:[0-9]+)?\/?$/, {
            error: "allowed: the API server's https URL as other clusters reach it. Fix: e.g. https://api.cluster-b.example.com:6443",
        })
        .optional(),
    peers: z.array(peerSchema).optional(),
    eastWestGateway: eastWestGatewaySchema.optional(),
});

export type PeerInput = z.infer<typeof peerSchema>;
export type MultiClusterInput = z.infer<typeof multiClusterSchema>;

// ---- settings

export interface PeerSettings {
    readonly name: string;
    /** undefined: the program passes the peer's kubeconfig. */
    readonly stack?: string;
}

export interface EastWestGatewaySettings {
    /** The Deployment and Service, as Istio's samples name it. */
    readonly name: string;
    readonly namespace: string;
    readonly network: string;
    readonly serviceType: EastWestServiceType;
    readonly serviceAnnotations: Readonly<Record<string, string>>;
    readonly replicas: number;
}

/** Unset keys keep Istio's own defaults (cluster "Kubernetes", mesh ID from the trust domain, one network). */
export interface MultiClusterSettings {
    readonly meshId?: string;
    readonly clusterName?: string;
    readonly network?: string;
    /** This cluster's API server for its peers; set: the reader token is made and its kubeconfig exported. */
    readonly apiServer?: string;
    readonly peers: readonly PeerSettings[];
    readonly eastWestGateway?: EastWestGatewaySettings;
}

/** Istio's name for the east-west gateway (samples/multicluster); its pods are labeled istio=eastwestgateway. */
export const EAST_WEST_GATEWAY_NAME = "istio-eastwestgateway";

/** The east-west gateway's namespace when none is written. */
function eastWestNamespaceOf(gateway: { namespace?: string }): string {
    // Not the Istio namespace, where Istio's samples put it: the stack never injects that namespace, and the chart's
    // gateway is an injected proxy. A namespace of its own, like istio-ingress for the ingress gateway.
    return gateway.namespace ?? "istio-eastwest";
}

// ---- defaults

export function toMultiClusterSettings(multiCluster: MultiClusterInput | undefined): MultiClusterSettings {
    const { peers, eastWestGateway, ...istio } = multiCluster ?? {};
    const network = istio.network;
    return {
        // No defaults for Istio's own keys: a single-cluster mesh keeps Istio's, so it looks as Istio documents it.
        ...istio,
        // No peers: a single-cluster mesh reads no other cluster.
        peers: (peers ?? []).map((peer) => ({ name: peer.name, ...(peer.stack !== undefined ? { stack: peer.stack } : {}) })),
        ...(eastWestGateway !== undefined && network !== undefined
            ? {
                  eastWestGateway: {
                      name: EAST_WEST_GATEWAY_NAME,
                      namespace: eastWestNamespaceOf(eastWestGateway),
                      network,
                      // Peers on other networks reach the gateway from outside the cluster: a load balancer.
                      serviceType: eastWestGateway.serviceType ?? "LoadBalancer",
                      serviceAnnotations: eastWestGateway.serviceAnnotations ?? {},
                      // Istio's chart default.
                      replicas: eastWestGateway.replicas ?? 1,
                  },
              }
            : {}),
    };
}

// ---- checks

/** True when a key, or its section, was written but failed its schema (as sections.ts's isInvalid). */
function isInvalid(sections: Sections, path: string): boolean {
    const parts = path.split(".");
    return parts.some((_, index) => sections.invalid.has(parts.slice(0, index + 1).join(".")));
}

/** Rules of the multiCluster section, and those it shares with istio.profile, namespaces and gateways. */
export function multiClusterIssues(sections: Sections): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    if (sections.istio?.profile === "remote") {
        issues.push({
            path: ["istio", "profile"],
            given: "remote",
            message:
                "primary-remote (a cluster without its own istiod) is not supported. Supported: multi-primary on one or " +
                "several networks, where every cluster runs istiod and reads its peers (multiCluster.clusterName, " +
                "multiCluster.apiServer, multiCluster.peers, and multiCluster.network with multiCluster.eastWestGateway " +
                "on several networks). Fix: remove istio.profile and list the clusters as peers",
        });
    }
    const multiCluster = sections.multiCluster;
    if (multiCluster === undefined) {
        return issues;
    }
    const peers = multiCluster.peers ?? [];
    const clusterName = multiCluster.clusterName;
    const joins = peers.length > 0 || multiCluster.apiServer !== undefined;
    if (joins && clusterName === undefined && !isInvalid(sections, "multiCluster.clusterName")) {
        issues.push({
            path: ["multiCluster", "clusterName"],
            message:
                `required with multiCluster.${peers.length > 0 ? "peers" : "apiServer"}: every cluster of the mesh needs a name of its own ` +
                `(Istio's default "${ISTIO_DEFAULT_CLUSTER_NAME}" would be every cluster's). Fix: e.g. multiCluster.clusterName: cluster-a`,
        });
    }
    for (const name of duplicates(peers.map((peer) => peer.name))) {
        issues.push({ path: ["multiCluster", "peers"], given: name, message: `peer "${name}" is listed twice. Fix: keep one entry` });
    }
    peers.forEach((peer, index) => {
        if (clusterName !== undefined && peer.name === clusterName) {
            issues.push({
                path: ["multiCluster", "peers", index, "name"],
                given: peer.name,
                message: "is this cluster's own name (multiCluster.clusterName): istiod reads its own cluster without a remote secret. Fix: remove the entry",
            });
        }
    });
    const gateway = multiCluster.eastWestGateway;
    if (gateway !== undefined && multiCluster.network === undefined && !isInvalid(sections, "multiCluster.network")) {
        issues.push({
            path: ["multiCluster", "network"],
            message:
                "required with multiCluster.eastWestGateway, which is the gateway of this cluster's network. Fix: set multiCluster.network " +
                "(e.g. network1), or remove eastWestGateway when every cluster is on one network",
        });
    }
    if (gateway !== undefined && sections.dataPlane?.mode === "ambient") {
        issues.push({
            path: ["multiCluster", "eastWestGateway"],
            message:
                "is a sidecar-mode network gateway (AUTO_PASSTHROUGH on 15443); ambient meshes cross networks through Istio's " +
                "Gateway API class istio-east-west (HBONE on 15008), which this stack does not make. Fix: remove eastWestGateway, " +
                "or use dataPlane.mode sidecar",
        });
    }
    if (gateway !== undefined && !isInvalid(sections, "namespace")) {
        issues.push(...eastWestNamespaceIssues(sections, eastWestNamespaceOf(gateway)));
    }
    return issues;
}

/** The east-west gateway is an injected proxy in a namespace of its own. */
function eastWestNamespaceIssues(sections: Sections, namespace: string): ConfigIssue[] {
    const path = ["multiCluster", "eastWestGateway", "namespace"];
    const istioNamespace = istioNamespaceOf(sections.namespace);
    if (neverInjectNamespaces(sections.webhooks, istioNamespace).includes(namespace)) {
        return [
            {
                path,
                given: namespace,
                message:
                    `"${namespace}" is never injected (${namespace === istioNamespace ? "the Istio namespace" : "Kubernetes' namespaces and webhooks.neverInjectNamespaces"}), ` +
                    "so the gateway's pods would run without their proxy. Fix: use a namespace of its own, e.g. istio-eastwest",
            },
        ];
    }
    const taken = [
        ...(sections.namespaces ?? []).map((entry) => entry.name),
        ...(sections.gateways ?? []).map((entry) => gatewayNamespaceOf(entry)),
    ];
    return taken.includes(namespace)
        ? [
              {
                  path,
                  given: namespace,
                  message: "is a namespace of namespaces[] or gateways[]: the east-west gateway's namespace is its own. Fix: e.g. istio-eastwest",
              },
          ]
        : [];
}

/** A cluster that takes its intermediate from a CA stack names itself: the CA stack lists clusters by name. */
export function caStackClusterIssues(pki: PkiInput | undefined, multiCluster: MultiClusterInput | undefined): ConfigIssue[] {
    if (pki?.caStack === undefined || multiCluster?.clusterName !== undefined) {
        return [];
    }
    return [
        {
            path: ["multiCluster", "clusterName"],
            message:
                `required with pki.caStack: the name under which the CA stack (${pki.caStack}) lists this cluster in ca.clusters. ` +
                "Fix: pulumi config set --path 'mesh.multiCluster.clusterName' <name>",
        },
    ];
}
