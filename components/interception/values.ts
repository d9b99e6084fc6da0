/**
 * Values for Istio's `cni` chart, built from typed settings. Pure.
 */
import { CniSettings } from "../config/interceptionSettings";
import { MeshSettings, ResourceRequirements } from "../config/settings";

export interface CniChartValues {
    readonly global: {
        readonly hub: string;
        readonly tag: string;
        readonly imagePullSecrets: readonly string[];
        readonly platform?: string;
    };
    readonly cniBinDir?: string;
    readonly cniConfDir?: string;
    readonly chained: boolean;
    readonly provider?: string;
    readonly excludeNamespaces: readonly string[];
    readonly repair: {
        readonly enabled: boolean;
        readonly repairPods: boolean;
        readonly deletePods: boolean;
        readonly labelPods: boolean;
    };
    readonly resources: ResourceRequirements;
}

export function cniValues(settings: MeshSettings, cni: CniSettings): CniChartValues {
    const platform = settings.istio.platform;
    return {
        global: {
            hub: settings.images.hub,
            // One node agent for every revision: it runs the newest release, which supports the older istiods.
            tag: settings.images.tag ?? settings.istio.baseVersion.text,
            imagePullSecrets: settings.images.pullSecrets,
            ...(platform !== undefined && platform !== "eks" && platform !== "aks" ? { platform } : {}),
        },
        ...(cni.binDir !== undefined ? { cniBinDir: cni.binDir } : {}),
        ...(cni.confDir !== undefined ? { cniConfDir: cni.confDir } : {}),
        chained: cni.chained,
        ...(cni.provider !== undefined ? { provider: cni.provider } : {}),
        excludeNamespaces: cni.excludeNamespaces,
        // Exactly one action, as the chart requires.
        repair: {
            enabled: cni.repair !== "off",
            repairPods: cni.repair === "repair",
            deletePods: cni.repair === "delete",
            labelPods: cni.repair === "label",
        },
        resources: cni.resources,
    };
}
