/**
 * Typed traffic-interception settings: the init container, or the Istio CNI node agent with its platform preset.
 */
import { InterceptionMode, RepairAction } from "./interceptionSchema";
import { ResourceRequirements } from "./primitives";
import { IstioPlatform, MeshConfigInput } from "./schema";

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

export function toInterceptionSettings(input: MeshConfigInput, istioNamespace: string): InterceptionSettings {
    // init: works on every cluster with no node agent; prod stacks choose cni to drop NET_ADMIN from workloads.
    const mode: InterceptionMode = input.interception?.mode ?? "init";
    if (mode === "init") {
        return { mode };
    }
    const cni = input.interception?.cni;
    const preset = CNI_PRESETS[input.istio.platform ?? "default"];
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
        },
    };
}
