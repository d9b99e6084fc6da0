/**
 * Values for Istio's `base` and `istiod` charts, built from typed settings. Pure functions: the charts receive
 * exactly what these return, and nothing else.
 *
 * Only keys that this project sets are written; everything else keeps the chart's own default.
 */
import { MeshSettings, ResourceRequirements } from "../config/settings";

/** Values that both charts share (Istio's charts read them under `global`). */
export interface GlobalValues {
    readonly istioNamespace: string;
    readonly hub: string;
    readonly tag: string;
    readonly imagePullSecrets: readonly string[];
    readonly platform?: string;
}

export interface BaseChartValues {
    readonly global: Pick<GlobalValues, "istioNamespace" | "imagePullSecrets" | "platform">;
    /** The revision whose istiod serves cluster-wide validation (the `istiod-default-validator` webhook). */
    readonly defaultRevision: string;
    readonly profile?: string;
}

export interface IstiodMeshConfigValues {
    readonly rootNamespace: string;
    readonly trustDomain: string;
    readonly accessLogFile: string;
    readonly accessLogEncoding: string;
    readonly outboundTrafficPolicy: { readonly mode: string };
    readonly defaultConfig: { readonly holdApplicationUntilProxyStarts: boolean };
}

export interface IstiodChartValues {
    readonly revision: string;
    readonly profile?: string;
    readonly global: GlobalValues & { readonly defaultPodDisruptionBudget: { readonly enabled: boolean } };
    readonly replicaCount: number;
    readonly autoscaleEnabled: boolean;
    readonly autoscaleMin: number;
    readonly autoscaleMax: number;
    readonly cpu: { readonly targetAverageUtilization: number };
    readonly resources: ResourceRequirements;
    readonly pdb: { readonly minAvailable: number };
    readonly meshConfig: IstiodMeshConfigValues;
}

/** Istio's "default" profile is the absence of a profile file; only named profiles are passed to the charts. */
function profileValue(settings: MeshSettings): { profile?: string } {
    return settings.istio.profile === "default" ? {} : { profile: settings.istio.profile };
}

function platformValue(settings: MeshSettings): { platform?: string } {
    return settings.istio.platform === undefined ? {} : { platform: settings.istio.platform };
}

export function baseValues(settings: MeshSettings): BaseChartValues {
    return {
        global: {
            istioNamespace: settings.namespace,
            imagePullSecrets: settings.images.pullSecrets,
            ...platformValue(settings),
        },
        defaultRevision: settings.istio.revision,
        ...profileValue(settings),
    };
}

export function istiodValues(settings: MeshSettings): IstiodChartValues {
    const { istiod, meshConfig } = settings;
    return {
        revision: settings.istio.revision,
        ...profileValue(settings),
        global: {
            istioNamespace: settings.namespace,
            hub: settings.images.hub,
            tag: settings.images.tag,
            imagePullSecrets: settings.images.pullSecrets,
            ...platformValue(settings),
            // Istio's chart renders the budget only when more than one pod runs; the flag says whether we want it.
            defaultPodDisruptionBudget: { enabled: istiod.disruptionBudget.enabled },
        },
        replicaCount: istiod.replicas,
        autoscaleEnabled: istiod.autoscale.enabled,
        autoscaleMin: istiod.autoscale.min,
        autoscaleMax: istiod.autoscale.max,
        cpu: { targetAverageUtilization: istiod.autoscale.targetCpuUtilization },
        resources: istiod.resources,
        pdb: { minAvailable: istiod.disruptionBudget.minAvailable },
        meshConfig: {
            rootNamespace: settings.namespace,
            trustDomain: meshConfig.trustDomain,
            accessLogFile: meshConfig.accessLogFile,
            accessLogEncoding: meshConfig.accessLogEncoding,
            outboundTrafficPolicy: { mode: meshConfig.outboundTrafficPolicy },
            defaultConfig: { holdApplicationUntilProxyStarts: meshConfig.holdApplicationUntilProxyStarts },
        },
    };
}
