/**
 * Values for Istio's `cni` chart, built from typed settings. Pure.
 */
import { ImageSettings, IstioPlatform } from "../config/controlPlane";
import { IstioVersion } from "../config/istioVersion";
import { CniSettings } from "../config/interception";
import { deepMerge } from "../config/overrides";
import { nonEmpty, ResourceRequirements } from "../config/primitives";

/** The node agent's image and platform. */
export interface CniImage {
    readonly hub: string;
    readonly tag: string;
    readonly pullSecrets: readonly string[];
    readonly variant?: string;
    readonly platform?: IstioPlatform;
}

export interface CniChartValues {
    readonly global: {
        readonly hub: string;
        readonly tag: string;
        readonly variant?: string;
        readonly imagePullSecrets: readonly string[];
        readonly platform?: string;
    };
    /**
     * The agent's keys. They go under `cni`: after applying a platform profile, the chart copies `cni` over its top
     * level, so a key written at the top level loses to the profile's (k3s, openshift, ... set cni.cniBinDir).
     */
    readonly cni: {
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
        readonly tolerations?: readonly unknown[];
        readonly affinity?: Readonly<Record<string, unknown>>;
        readonly podAnnotations?: Readonly<Record<string, string>>;
        readonly podLabels?: Readonly<Record<string, string>>;
        /** GKE: node-critical pods outside kube-system need a ResourceQuota (kube-system has one). */
        readonly resourceQuotas?: { readonly enabled: boolean };
    };
    /** Istio's ambient profile: the agent also redirects ambient pods' traffic to ztunnel. */
    readonly profile?: "ambient";
}

/** `override`: the configuration's values.cni, merged over the stack's own; `ambient`: Istio's ambient profile. */
export function cniValues(cni: CniSettings, image: CniImage, override?: Readonly<Record<string, unknown>>, ambient = false): CniChartValues {
    const platform = image.platform;
    const own: CniChartValues = {
        ...(ambient ? { profile: "ambient" as const } : {}),
        global: {
            hub: image.hub,
            tag: image.tag,
            ...(image.variant !== undefined ? { variant: image.variant } : {}),
            imagePullSecrets: image.pullSecrets,
            ...(platform !== undefined && platform !== "eks" && platform !== "aks" ? { platform } : {}),
        },
        cni: {
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
            ...nonEmpty({
                tolerations: cni.pod.tolerations,
                affinity: cni.pod.affinity as Record<string, unknown>,
                podAnnotations: cni.pod.podAnnotations,
                podLabels: cni.pod.podLabels,
            }),
            ...(platform === "gke" ? { resourceQuotas: { enabled: cni.namespace !== "kube-system" } } : {}),
        },
    };
    return deepMerge(own, override);
}

/** One node agent for every revision: it runs the newest release, which supports the older istiods. */
export function cniImage(images: ImageSettings, newestVersion: IstioVersion, platform: IstioPlatform | undefined): CniImage {
    return { hub: images.hub, tag: images.tag ?? newestVersion.text, pullSecrets: images.pullSecrets, variant: images.variant, platform };
}
