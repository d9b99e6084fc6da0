/**
 * Interception: how traffic reaches the sidecar (`mesh.interception`), through the `istio-init` container in every
 * pod or through the Istio CNI node agent, with its platform preset. Schema, in-section checks, defaults and the
 * derivations both use.
 */
import { z } from "zod";
import type { IstioPlatform } from "./controlPlane";
import { ConfigIssue } from "./issues";
import { dns1123Label, PodConfig, podFields, PodSettings, ResourceRequirements, ResourcesConfig, resourcesSchema, toPodSettings } from "./primitives";

// ---- configuration as written (the Mesh component's args and the stack file's keys)

/** Traffic interception. */
export interface InterceptionConfig {
    /**
     * `istio-init` in every pod works on any cluster; `cni` installs Istio's CNI agent and injects the
     * `istio-validation` init container instead (no capabilities in workload pods). @default `init` (`cni` in ambient mode)
     */
    readonly mode?: InterceptionMode;
    /** The CNI agent, in `cni` mode. */
    readonly cni?: CniConfig;
}

/** The CNI agent runs on every node, at priority system-node-critical (the chart's): no node selector, spread or priority. */
export interface CniConfig extends Pick<PodConfig, "tolerations" | "affinity" | "podAnnotations" | "podLabels"> {
    /** @default the platform's (`kube-system` on OpenShift), else the Istio namespace */
    readonly namespace?: string;
    /** The node's CNI binary folder. @default the platform preset */
    readonly binDir?: string;
    /** The node's CNI configuration folder. @default the platform preset */
    readonly confDir?: string;
    /** Chained everywhere but OpenShift (Multus). @default the platform preset */
    readonly chained?: boolean;
    /** The repair controller's action on pods that started before the agent: `repair`, `delete`, `label` or `off`. @default `repair` */
    readonly repair?: RepairAction;
    /** istiod removes the `cni.istio.io/not-ready` node taint once the agent runs (your nodes must be created with it). @default `false` */
    readonly untaint?: boolean;
    /** Namespaces the plugin never touches. @default `[kube-system]` */
    readonly excludeNamespaces?: readonly string[];
    /** Istio's chart requests. @default requests `100m`, `100Mi` */
    readonly resources?: ResourcesConfig;
}

// ---- schema

export const INTERCEPTION_MODES = ["init", "cni"] as const;
export type InterceptionMode = (typeof INTERCEPTION_MODES)[number];

/** What the CNI agent's repair controller does with a pod that started before the node was ready. */
export const REPAIR_ACTIONS = ["repair", "delete", "label", "off"] as const;
export type RepairAction = (typeof REPAIR_ACTIONS)[number];

const absolutePath = (example: string) =>
    z.string().regex(/^\/[^\s]*$/, { error: `allowed: an absolute path on the node. Fix: e.g. ${example}` });

export const cniSchema = z.strictObject({
    namespace: dns1123Label("kube-system").optional(),
    binDir: absolutePath("/opt/cni/bin").optional(),
    confDir: absolutePath("/etc/cni/net.d").optional(),
    chained: z.boolean().optional(),
    repair: z.enum(REPAIR_ACTIONS).optional(),
    untaint: z.boolean().optional(),
    excludeNamespaces: z.array(dns1123Label("kube-system")).optional(),
    resources: resourcesSchema.optional(),
    tolerations: podFields.tolerations,
    affinity: podFields.affinity,
    podAnnotations: podFields.podAnnotations,
    podLabels: podFields.podLabels,
    // Istio's cni chart has no key for these: the agent must run on every node that runs pods of the mesh.
    ...Object.fromEntries(
        ["nodeSelector", "topologySpreadConstraints", "priorityClassName"].map((key) => [
            key,
            z
                .never({
                    error:
                        "the CNI agent runs on every node, at priority system-node-critical, and Istio's cni chart has no such key. " +
                        "Fix: remove it; to keep the agent off some nodes use interception.cni.affinity (nodeAffinity)",
                })
                .optional(),
        ]),
    ),
});

export const interceptionSchema = z.strictObject({
    mode: z.enum(INTERCEPTION_MODES).optional(),
    cni: cniSchema.optional(),
});
export type InterceptionInput = z.infer<typeof interceptionSchema>;

// ---- settings

export interface CniSettings {
    /** The CNI agent's namespace; some platforms require kube-system. */
    readonly namespace: string;
    readonly binDir?: string;
    readonly confDir?: string;
    readonly chained: boolean;
    /** "multus" on OpenShift; undefined elsewhere. */
    readonly provider?: string;
    readonly repair: RepairAction;
    readonly untaint: boolean;
    readonly excludeNamespaces: readonly string[];
    readonly resources: ResourceRequirements;
    readonly pod: Pick<PodSettings, "tolerations" | "affinity" | "podAnnotations" | "podLabels">;
}

export type InterceptionSettings =
    | { readonly mode: "init" }
    | { readonly mode: "cni"; readonly cni: CniSettings };

/** Istio's documented CNI layout per platform; undefined keeps the chart's default (/opt/cni/bin, /etc/cni/net.d). */
export interface CniPreset {
    readonly namespace?: string;
    readonly binDir?: string;
    readonly confDir?: string;
    readonly chained: boolean;
    readonly provider?: string;
}

/**
 * From Istio's platform prerequisites and the cni chart's files/profile-platform-*.yaml. GKE's binary folder is left
 * to the chart, which detects it; OpenShift runs the agent in kube-system and is not chained (Multus calls it).
 */
export const CNI_PRESETS: Record<IstioPlatform | "default", CniPreset> = {
    default: { chained: true },
    eks: { chained: true },
    aks: { chained: true },
    gke: { chained: true },
    k3s: { confDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d", binDir: "/var/lib/rancher/k3s/data/cni", chained: true },
    k3d: { confDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d", binDir: "/bin", chained: true },
    microk8s: { confDir: "/var/snap/microk8s/current/args/cni-network", binDir: "/var/snap/microk8s/current/opt/cni/bin", chained: true },
    minikube: { chained: true },
    openshift: { namespace: "kube-system", binDir: "/var/lib/cni/bin", confDir: "/etc/cni/multus/net.d", chained: false, provider: "multus" },
};

// ---- derivations (checks and defaults both use them)

/**
 * init: works on every cluster with no node agent; prod stacks choose cni to drop NET_ADMIN from workloads. Ambient
 * mode needs the CNI agent, so it is the default there.
 */
export function interceptionModeOf(interception: InterceptionInput | undefined, dataPlaneMode: "sidecar" | "ambient" = "sidecar"): InterceptionMode {
    return interception?.mode ?? (dataPlaneMode === "ambient" ? "cni" : "init");
}

// ---- defaults

export function toInterceptionSettings(
    interception: InterceptionInput | undefined,
    platform: IstioPlatform | undefined,
    istioNamespace: string,
    dataPlaneMode: "sidecar" | "ambient" = "sidecar",
): InterceptionSettings {
    const mode = interceptionModeOf(interception, dataPlaneMode);
    if (mode === "init") {
        return { mode };
    }
    const cni = interception?.cni;
    const preset = CNI_PRESETS[platform ?? "default"];
    return {
        mode,
        cni: {
            // Beside istiod unless the platform needs kube-system.
            namespace: cni?.namespace ?? preset.namespace ?? istioNamespace,
            binDir: cni?.binDir ?? preset.binDir,
            confDir: cni?.confDir ?? preset.confDir,
            chained: cni?.chained ?? preset.chained,
            provider: preset.provider,
            // Istio's default: pods that started before the agent was ready are fixed in place.
            repair: cni?.repair ?? "repair",
            // Off, as in Istio: it needs a node taint that the platform team adds to new nodes.
            untaint: cni?.untaint ?? false,
            // Kubernetes' own namespaces are never touched by the plugin.
            excludeNamespaces: cni?.excludeNamespaces ?? ["kube-system"],
            // The chart's request; the agent is small.
            resources: cni?.resources ?? { requests: { cpu: "100m", memory: "100Mi" } },
            pod: (({ tolerations, affinity, podAnnotations, podLabels }) => ({ tolerations, affinity, podAnnotations, podLabels }))(toPodSettings(cni)),
        },
    };
}

// ---- checks

/** Settings of the CNI agent are read only in CNI mode. */
export function interceptionIssues(interception: InterceptionInput, dataPlaneMode: "sidecar" | "ambient" = "sidecar"): ConfigIssue[] {
    if (interceptionModeOf(interception, dataPlaneMode) === "init" && interception.cni !== undefined) {
        return [
            {
                path: ["interception", "cni"],
                given: interception.cni,
                message: 'read only in CNI mode. Fix: set interception.mode to "cni", or remove interception.cni',
            },
        ];
    }
    return [];
}
