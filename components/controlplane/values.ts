/**
 * Values for Istio's `base` and `istiod` charts, built from typed settings. Pure functions: the charts receive
 * exactly what these return, and nothing else.
 *
 * Only keys that this project sets are written; everything else keeps the chart's own default.
 */
import { RevisionSettings } from "../config/enrollment";
import { deepMerge } from "../config/overrides";
import { nonEmpty } from "../config/primitives";
import { imageTagFor, MeshSettings, ResourceRequirements } from "../config/settings";

/** What the control plane's charts are built from: every section but gateways, namespaces, PKI and mTLS. */
export type ControlPlaneSettings = Pick<
    MeshSettings,
    "istio" | "namespace" | "charts" | "images" | "istiod" | "meshConfig" | "proxy" | "webhooks" | "multiCluster" | "interception" | "values" | "dataPlane"
>;

/** Values that both charts share (Istio's charts read them under `global`). */
export interface GlobalValues {
    readonly istioNamespace: string;
    readonly hub: string;
    readonly tag: string;
    readonly variant?: string;
    readonly imagePullSecrets: readonly string[];
    readonly platform?: string;
    readonly meshID?: string;
    readonly network?: string;
    readonly multiCluster?: { readonly clusterName: string };
    readonly priorityClassName?: string;
    readonly logging?: { readonly level: string };
    readonly proxy?: { readonly resources?: ResourceRequirements; readonly logLevel?: string; readonly componentLogLevel?: string };
}

export interface BaseChartValues {
    readonly global: Pick<GlobalValues, "istioNamespace" | "imagePullSecrets" | "platform">;
    /** The revision whose istiod serves cluster-wide validation (the `istiod-default-validator` webhook). */
    readonly defaultRevision: string;
    readonly base: { readonly validationFailurePolicy: string };
    readonly profile?: string;
}

export interface IstiodMeshConfigValues {
    readonly rootNamespace: string;
    readonly trustDomain: string;
    readonly trustDomainAliases?: readonly string[];
    readonly accessLogFile: string;
    readonly accessLogEncoding: string;
    readonly outboundTrafficPolicy: { readonly mode: string };
    readonly defaultConfig: { readonly holdApplicationUntilProxyStarts: boolean } & Readonly<Record<string, unknown>>;
    /** Every other MeshConfig field, as written. */
    readonly [field: string]: unknown;
}

/**
 * istiod's own keys. They go under `pilot`: after applying a profile, the chart copies `pilot` over its top level, so
 * a key written at the top level loses to a profile's `pilot` key (the demo profile sets pilot.resources and
 * pilot.autoscaleEnabled, the openshift one pilot.cni.enabled).
 */
export interface PilotValues {
    readonly replicaCount: number;
    readonly autoscaleEnabled: boolean;
    readonly autoscaleMin: number;
    readonly autoscaleMax: number;
    readonly cpu: { readonly targetAverageUtilization: number };
    readonly resources: ResourceRequirements;
    readonly pdb: { readonly minAvailable: number };
    /** Injection with the CNI agent (an istio-validation init container) or with istio-init. */
    readonly cni: { readonly enabled: boolean; readonly provider?: string };
    /** The CNI agent's untaint controller, run by istiod. */
    readonly taint?: { readonly enabled: boolean; readonly namespace: string };
    readonly env?: Readonly<Record<string, string>>;
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations?: readonly unknown[];
    readonly affinity?: Readonly<Record<string, unknown>>;
    readonly topologySpreadConstraints?: readonly unknown[];
    readonly podAnnotations?: Readonly<Record<string, string>>;
    readonly podLabels?: Readonly<Record<string, string>>;
    /** Ambient: the namespace whose ztunnel istiod trusts, when it is not istiod's own. */
    readonly trustedZtunnelNamespace?: string;
}

export interface IstiodChartValues {
    readonly revision: string;
    /** The revision tags served by this revision: one `istio-revision-tag-<tag>` webhook each. */
    readonly revisionTags: readonly string[];
    readonly profile?: string;
    readonly global: GlobalValues & { readonly defaultPodDisruptionBudget: { readonly enabled: boolean } };
    readonly meshConfig: IstiodMeshConfigValues;
    readonly base: { readonly validationFailurePolicy: string };
    readonly sidecarInjectorWebhook: {
        readonly reinvocationPolicy: string;
        readonly neverInjectSelector: readonly { readonly matchLabels: Readonly<Record<string, string>> }[];
        readonly alwaysInjectSelector: readonly { readonly matchLabels: Readonly<Record<string, string>> }[];
    };
    readonly pilot: PilotValues;
}

/** Istio's "default" profile is the absence of a profile file; only named profiles are passed to the charts. */
function profileValue(settings: Pick<MeshSettings, "istio">): { profile?: string } {
    return settings.istio.profile === "default" ? {} : { profile: settings.istio.profile };
}

/** Ambient mode installs istiod with Istio's ambient profile (PILOT_ENABLE_AMBIENT, HBONE); dataPlane.ts keeps other profiles out. */
function istiodProfileValue(settings: Pick<ControlPlaneSettings, "istio" | "dataPlane">): { profile?: string } {
    return settings.dataPlane.mode === "ambient" ? { profile: "ambient" } : profileValue(settings);
}

/** eks and aks are presets of this project, not Istio platform profiles: the charts get no platform for them. */
function platformValue(settings: Pick<MeshSettings, "istio">): { platform?: string } {
    const platform = settings.istio.platform;
    return platform === undefined || platform === "eks" || platform === "aks" ? {} : { platform };
}

function multiClusterValues(settings: Pick<MeshSettings, "multiCluster">): Pick<GlobalValues, "meshID" | "network" | "multiCluster"> {
    const { meshId, clusterName, network } = settings.multiCluster;
    return {
        ...(meshId !== undefined ? { meshID: meshId } : {}),
        ...(network !== undefined ? { network } : {}),
        ...(clusterName !== undefined ? { multiCluster: { clusterName } } : {}),
    };
}

export function baseValues(settings: Pick<ControlPlaneSettings, "istio" | "namespace" | "images" | "webhooks" | "values">): BaseChartValues {
    const own: BaseChartValues = {
        global: {
            istioNamespace: settings.namespace,
            imagePullSecrets: settings.images.pullSecrets,
            ...platformValue(settings),
        },
        defaultRevision: settings.istio.revision,
        base: { validationFailurePolicy: settings.webhooks.validationFailurePolicy },
        ...profileValue(settings),
    };
    return deepMerge(own, settings.values.base);
}

/** The tags that point at a revision, sorted so that the values do not depend on the order of the stack file. */
export function tagsOf(settings: Pick<MeshSettings, "istio">, revision: string): string[] {
    return Object.entries(settings.istio.tags)
        .filter(([, target]) => target === revision)
        .map(([tag]) => tag)
        .sort();
}

export function istiodValues(settings: ControlPlaneSettings, revision: RevisionSettings): IstiodChartValues {
    const { istiod, meshConfig, webhooks, interception, proxy } = settings;
    const cni = interception.mode === "cni" ? interception.cni : undefined;
    const ztunnel = settings.dataPlane.mode === "ambient" ? settings.dataPlane.ztunnel : undefined;
    const { defaultConfig, ...otherMeshConfig } = meshConfig.passThrough as { defaultConfig?: Record<string, unknown> } & Record<string, unknown>;
    const own: IstiodChartValues = {
        revision: revision.name,
        revisionTags: tagsOf(settings, revision.name),
        ...istiodProfileValue(settings),
        global: {
            istioNamespace: settings.namespace,
            hub: settings.images.hub,
            tag: imageTagFor(settings.images, revision),
            ...(settings.images.variant !== undefined ? { variant: settings.images.variant } : {}),
            imagePullSecrets: settings.images.pullSecrets,
            ...platformValue(settings),
            ...multiClusterValues(settings),
            // Istio's chart renders the budget only when more than one pod runs; the flag says whether we want it.
            defaultPodDisruptionBudget: { enabled: istiod.disruptionBudget.enabled },
            ...(istiod.pod.priorityClassName !== undefined ? { priorityClassName: istiod.pod.priorityClassName } : {}),
            ...(istiod.logLevel !== undefined ? { logging: { level: istiod.logLevel } } : {}),
            ...(Object.keys(proxy).length > 0 ? { proxy } : {}),
        },
        meshConfig: {
            ...otherMeshConfig,
            rootNamespace: settings.namespace,
            trustDomain: meshConfig.trustDomain,
            ...(meshConfig.trustDomainAliases.length > 0 ? { trustDomainAliases: meshConfig.trustDomainAliases } : {}),
            accessLogFile: meshConfig.accessLogFile,
            accessLogEncoding: meshConfig.accessLogEncoding,
            outboundTrafficPolicy: { mode: meshConfig.outboundTrafficPolicy },
            defaultConfig: { ...defaultConfig, holdApplicationUntilProxyStarts: meshConfig.holdApplicationUntilProxyStarts },
        },
        base: { validationFailurePolicy: webhooks.validationFailurePolicy },
        sidecarInjectorWebhook: {
            reinvocationPolicy: webhooks.reinvocationPolicy,
            neverInjectSelector: webhooks.neverInjectPodLabels.map((matchLabels) => ({ matchLabels })),
            alwaysInjectSelector: webhooks.alwaysInjectPodLabels.map((matchLabels) => ({ matchLabels })),
        },
        pilot: {
            replicaCount: istiod.replicas,
            autoscaleEnabled: istiod.autoscale.enabled,
            autoscaleMin: istiod.autoscale.min,
            autoscaleMax: istiod.autoscale.max,
            cpu: { targetAverageUtilization: istiod.autoscale.targetCpuUtilization },
            resources: istiod.resources,
            pdb: { minAvailable: istiod.disruptionBudget.minAvailable },
            // Derived from the interception mode alone, so injection and the node agent can never disagree.
            cni: cni === undefined ? { enabled: false } : { enabled: true, ...(cni.provider !== undefined ? { provider: cni.provider } : {}) },
            ...(cni?.untaint ? { taint: { enabled: true, namespace: cni.namespace } } : {}),
            ...(ztunnel !== undefined && ztunnel.namespace !== settings.namespace ? { trustedZtunnelNamespace: ztunnel.namespace } : {}),
            ...nonEmpty({
                env: istiod.env,
                nodeSelector: istiod.pod.nodeSelector,
                tolerations: istiod.pod.tolerations,
                affinity: istiod.pod.affinity as Record<string, unknown>,
                topologySpreadConstraints: istiod.pod.topologySpreadConstraints,
                podAnnotations: istiod.pod.podAnnotations,
                podLabels: istiod.pod.podLabels,
            }),
        },
    };
    return deepMerge(own, settings.values.istiod);
}
