/**
 * Typed mesh settings: the validated configuration with every default applied and every derived value computed.
 * Components and values functions take these, never raw configuration.
 */
import { IstioVersion, parseIstioVersion, revisionForVersion } from "./istioVersion";
import {
    AccessLogEncoding,
    IstioPlatform,
    IstioProfile,
    MeshConfigInput,
    OutboundTrafficPolicy,
} from "./schema";

/** Where Istio's Helm charts come from. */
export type ChartSource =
    /** Istio's official charts for the version's line (OCI from 1.31, the classic repository before). */
    | { readonly kind: "official" }
    /** A Helm repository (https://) or OCI registry path (oci://), e.g. a mirror. */
    | { readonly kind: "repository"; readonly url: string }
    /** A local folder of unpacked charts, for air-gapped installs. `{version}` in the path is replaced. */
    | { readonly kind: "directory"; readonly path: string };

export interface ResourceQuantities {
    readonly cpu?: string;
    readonly memory?: string;
}

export interface ResourceRequirements {
    readonly requests?: ResourceQuantities;
    readonly limits?: ResourceQuantities;
}

export interface IstiodSettings {
    readonly replicas: number;
    readonly autoscale: {
        readonly enabled: boolean;
        readonly min: number;
        readonly max: number;
        readonly targetCpuUtilization: number;
    };
    readonly disruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
    readonly resources: ResourceRequirements;
}

export interface MeshConfigSettings {
    readonly accessLogFile: string;
    readonly accessLogEncoding: AccessLogEncoding;
    readonly outboundTrafficPolicy: OutboundTrafficPolicy;
    readonly holdApplicationUntilProxyStarts: boolean;
    readonly trustDomain: string;
}

export interface ImageSettings {
    readonly hub: string;
    readonly tag: string;
    readonly pullSecrets: readonly string[];
}

export interface ClusterSettings {
    /** A kubeconfig path or its contents; undefined means the current kube context (KUBECONFIG or ~/.kube/config). */
    readonly kubeconfig?: string;
    readonly context?: string;
}

export interface MeshSettings {
    readonly istio: {
        readonly version: IstioVersion;
        readonly revision: string;
        readonly profile: IstioProfile;
        readonly platform?: IstioPlatform;
    };
    /** The namespace of istiod and the mesh's root namespace. */
    readonly namespace: string;
    readonly charts: ChartSource;
    readonly images: ImageSettings;
    readonly istiod: IstiodSettings;
    readonly meshConfig: MeshConfigSettings;
    readonly cluster: ClusterSettings;
}

/** Environment that may override the configuration: a local chart folder for air-gapped and local runs. */
export interface SettingsEnvironment {
    readonly chartsDirectory?: string;
}

// Istio publishes release images here; the charts in Istio's source tree point at a test registry instead.
const OFFICIAL_IMAGE_HUB = "docker.io/istio";

/**
 * Applies defaults to a configuration that already passed schema.ts and crossFieldIssues.
 */
export function toSettings(input: MeshConfigInput, env: SettingsEnvironment = {}): MeshSettings {
    const version = parseIstioVersion(input.istio.version)!;
    const autoscaleEnabled = input.istiod?.autoscale?.enabled ?? false; // fixed replicas give a stable preview; HPAs need metrics-server
    // A fixed replica count of 1 is Istio's own default: fine for dev, prod stacks raise it.
    const replicas = input.istiod?.replicas ?? 1;
    // Istio's chart defaults for the autoscaler: 1 to 5 pods at 80% of requested CPU.
    const autoscaleMin = input.istiod?.autoscale?.min ?? 1;
    const autoscaleMax = input.istiod?.autoscale?.max ?? 5;
    const fewestPods = autoscaleEnabled ? autoscaleMin : replicas;
    // One pod must stay up during node drains; with one pod a budget would block every drain, so it is off then.
    const minAvailable = input.istiod?.disruptionBudget?.minAvailable ?? 1;
    const budgetEnabled = input.istiod?.disruptionBudget?.enabled ?? fewestPods > minAvailable;

    const chartsDirectory = env.chartsDirectory ?? input.charts?.directory;
    const charts: ChartSource =
        chartsDirectory !== undefined
            ? { kind: "directory", path: chartsDirectory }
            : input.charts?.repository !== undefined
              ? { kind: "repository", url: input.charts.repository }
              : { kind: "official" };

    return {
        istio: {
            version,
            // One revision per release, so each upgrade can run beside the last one (canary).
            revision: input.istio.revision ?? revisionForVersion(version),
            // "default" is Istio's own default profile: no profile file applied.
            profile: input.istio.profile ?? "default",
            platform: input.istio.platform,
        },
        // Istio's conventional namespace; istioctl, docs and dashboards expect it.
        namespace: input.namespace ?? "istio-system",
        charts,
        images: {
            hub: input.images?.hub ?? OFFICIAL_IMAGE_HUB,
            // Images are pinned to the installed release, never a moving tag.
            tag: input.images?.tag ?? version.text,
            pullSecrets: input.images?.pullSecrets ?? [],
        },
        istiod: {
            replicas,
            autoscale: {
                enabled: autoscaleEnabled,
                min: autoscaleMin,
                max: autoscaleMax,
                targetCpuUtilization: input.istiod?.autoscale?.targetCpuUtilization ?? 80,
            },
            disruptionBudget: { enabled: budgetEnabled, minAvailable },
            // Istio's chart requests 500m/2Gi, sized for large meshes; the same here so capacity plans match Istio's docs.
            resources: input.istiod?.resources ?? { requests: { cpu: "500m", memory: "2048Mi" } },
        },
        meshConfig: {
            // Access logs off, as in Istio: they are costly at scale; dev stacks turn them on.
            accessLogFile: input.meshConfig?.accessLogFile ?? "",
            accessLogEncoding: input.meshConfig?.accessLogEncoding ?? "TEXT",
            // Istio's default; REGISTRY_ONLY needs an egress path for every external host.
            outboundTrafficPolicy: input.meshConfig?.outboundTrafficPolicy ?? "ALLOW_ANY",
            // On (Istio's default is off): without it, an app that calls out at start fails before Envoy is ready.
            holdApplicationUntilProxyStarts: input.meshConfig?.holdApplicationUntilProxyStarts ?? true,
            // Istio's default trust domain; multi-cluster and prod meshes set their own.
            trustDomain: input.meshConfig?.trustDomain ?? "cluster.local",
        },
        cluster: {
            kubeconfig: input.cluster?.kubeconfig,
            context: input.cluster?.context,
        },
    };
}
