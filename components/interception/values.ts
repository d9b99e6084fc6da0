/**
 * Values for Istio's `cni` chart, built from typed settings. Pure.
 */
import { ImageSettings, IstioPlatform } from "../config/controlPlane";
import { IstioVersion } from "../config/istioVersion";
import { CniSettings } from "../config/interception";
import { ResourceRequirements } from "../config/primitives";

/** The node agent's image and platform. */
export interface CniImage {
    readonly hub: string;
    readonly tag: string;
    readonly pullSecrets: readonly string[];
    readonly platform?: IstioPlatform;
}

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
    /** Istio's ambient profile: the agent also redirects ambient pods' traffic to ztunnel. */
    readonly profile?: "ambient";
    /** GKE: node-critical pods outside kube-system need a ResourceQuota (kube-system has one). */
    readonly resourceQuotas?: { readonly enabled: boolean };
}

export function cniValues(cni: CniSettings, image: CniImage, ambient = false): CniChartValues {
    const platform = image.platform;
    return {
        ...(ambient ? { profile: "ambient" as const } : {}),
        global: {
            hub: image.hub,
            tag: image.tag,
            imagePullSecrets: image.pullSecrets,
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
        ...(platform === "gke" ? { resourceQuotas: { enabled: cni.namespace !== "kube-system" } } : {}),
    };
}

/** One node agent for every revision: it runs the newest release, which supports the older istiods. */
export function cniImage(images: ImageSettings, newestVersion: IstioVersion, platform: IstioPlatform | undefined): CniImage {
    return { hub: images.hub, tag: images.tag ?? newestVersion.text, pullSecrets: images.pullSecrets, platform };
}
