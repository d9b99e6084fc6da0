/**
 * Typed mesh settings: the validated configuration with every default applied and every derived value computed.
 * Components and values functions take these, never raw configuration.
 */
import { LifecycleSettings, ReadinessSettings, toLifecycleSettings, toReadinessSettings } from "./lifecycle";
import {
    DEFAULT_TAG,
    NamespaceEnrollment,
    RevisionSettings,
    toNamespaceEnrollments,
    toRevisions,
    toTags,
    toWebhookSettings,
    WebhookSettings,
} from "./enrollmentSettings";
import { EgressSettings, GatewaySettings, toEgressSettings, toGatewaySettings } from "./gatewaySettings";
import { InterceptionSettings, toInterceptionSettings } from "./interceptionSettings";
import { IstioVersion } from "./istioVersion";
import {
    MtlsSettings,
    MultiClusterSettings,
    PkiSettings,
    toMtlsSettings,
    toMultiClusterSettings,
    toPkiSettings,
} from "./pkiSettings";
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

export type { ResourceQuantities, ResourceRequirements } from "./primitives";
import { ResourceRequirements } from "./primitives";

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
    /** Former trust domains still accepted as this mesh's, during a migration. */
    readonly trustDomainAliases: readonly string[];
}

export interface ImageSettings {
    readonly hub: string;
    /** A tag for every revision's images; undefined: each revision's own version (see imageTagFor). */
    readonly tag?: string;
    readonly pullSecrets: readonly string[];
}

export interface ClusterSettings {
    /** A kubeconfig path or its contents; undefined means the current kube context (KUBECONFIG or ~/.kube/config). */
    readonly kubeconfig?: string;
    readonly context?: string;
}

export interface MeshSettings {
    readonly istio: {
        /** Every control-plane revision, in the order written. */
        readonly revisions: readonly RevisionSettings[];
        /** Revision tag -> revision name; `default` is always present. */
        readonly tags: Readonly<Record<string, string>>;
        /** The version of the default tag's revision. */
        readonly version: IstioVersion;
        /** The default tag's revision: it owns cluster-wide validation. */
        readonly revision: string;
        /** The newest version among the revisions: CRDs and cluster roles come from its base chart. */
        readonly baseVersion: IstioVersion;
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
    readonly pki: PkiSettings;
    readonly multiCluster: MultiClusterSettings;
    readonly mtls: MtlsSettings;
    readonly namespaces: readonly NamespaceEnrollment[];
    readonly webhooks: WebhookSettings;
    readonly interception: InterceptionSettings;
    readonly gateways: readonly GatewaySettings[];
    readonly egress: EgressSettings;
    readonly readiness: ReadinessSettings;
    readonly lifecycle: LifecycleSettings;
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
    const revisions = toRevisions(input);
    const tags = toTags(input, revisions);
    const defaultRevision = revisions.find((revision) => revision.name === tags[DEFAULT_TAG])!;
    const version = defaultRevision.version;
    // Istio's conventional namespace; istioctl, docs and dashboards expect it.
    const namespace = input.namespace ?? "istio-system";
    const gateways = toGatewaySettings(input);
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
            revisions,
            tags,
            version,
            revision: defaultRevision.name,
            baseVersion: newest(revisions.map((revision) => revision.version)),
            // "default" is Istio's own default profile: no profile file applied.
            profile: input.istio.profile ?? "default",
            platform: input.istio.platform,
        },
        namespace,
        charts,
        images: {
            hub: input.images?.hub ?? OFFICIAL_IMAGE_HUB,
            tag: input.images?.tag,
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
            trustDomainAliases: input.meshConfig?.trustDomainAliases ?? [],
        },
        cluster: {
            kubeconfig: input.cluster?.kubeconfig,
            context: input.cluster?.context,
        },
        pki: toPkiSettings(input),
        multiCluster: toMultiClusterSettings(input),
        mtls: toMtlsSettings(input),
        namespaces: toNamespaceEnrollments(input),
        webhooks: toWebhookSettings(input, namespace),
        interception: toInterceptionSettings(input, namespace),
        gateways,
        egress: toEgressSettings(input, gateways),
        readiness: toReadinessSettings(input.readiness),
        lifecycle: toLifecycleSettings(input.lifecycle),
    };
}

/** A revision's image tag: pinned to its release, never a moving tag, unless a tag is configured. */
export function imageTagFor(settings: MeshSettings, revision: RevisionSettings): string {
    return settings.images.tag ?? revision.version.text;
}

/** The newest of several versions (pre-releases sort before their release). */
export function newest(versions: readonly IstioVersion[]): IstioVersion {
    return versions.reduce((best, candidate) => (compareVersions(candidate, best) > 0 ? candidate : best));
}

export function compareVersions(a: IstioVersion, b: IstioVersion): number {
    const byNumber = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
    if (byNumber !== 0) {
        return byNumber;
    }
    if (a.preRelease === b.preRelease) {
        return 0;
    }
    if (a.preRelease === undefined) {
        return 1;
    }
    if (b.preRelease === undefined) {
        return -1;
    }
    return a.preRelease.localeCompare(b.preRelease, "en", { numeric: true });
}
