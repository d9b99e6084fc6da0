/**
 * Typed mesh settings: the validated configuration with every default applied and every derived value computed,
 * assembled from each concern's own defaults. Components and values functions take (parts of) these, never raw
 * configuration.
 */
import { LifecycleSettings, ReadinessSettings, toLifecycleSettings, toReadinessSettings } from "./lifecycle";
import {
    ChartSource,
    ClusterSettings,
    ImageSettings,
    IstioPlatform,
    IstioProfile,
    istioNamespaceOf,
    IstiodSettings,
    ProxySettings,
    toChartSource,
    toClusterSettings,
    toImageSettings,
    toIstiodSettings,
    toProxySettings,
} from "./controlPlane";
import {
    DEFAULT_TAG,
    NamespaceEnrollment,
    RevisionSettings,
    toNamespaceEnrollments,
    toRevisions,
    toTags,
    toWebhookSettings,
    WebhookSettings,
} from "./enrollment";
import { DataPlaneSettings, toDataPlaneSettings } from "./dataPlane";
import { GatewayApiSettings, toGatewayApiSettings } from "./gatewayApi";
import { EgressSettings, GatewaySettings, toEgressSettings, toGatewaySettings } from "./gateways";
import { InterceptionSettings, toInterceptionSettings } from "./interception";
import { IstioVersion } from "./istioVersion";
import { MeshConfigSettings, toMeshConfigSettings } from "./meshConfig";
import { ValuesInput } from "./overrides";
import { MultiClusterSettings, toMultiClusterSettings } from "./multiCluster";
import { MtlsSettings, PkiSettings, toMtlsSettings, toPkiSettings } from "./pki";
import { MeshConfigInput } from "./schema";

export type { ChartSource, ClusterSettings, ImageSettings, IstiodSettings, ProxySettings } from "./controlPlane";
export type { MeshConfigSettings } from "./meshConfig";
export type { ResourceQuantities, ResourceRequirements } from "./primitives";

/** Which Istio releases run, as which revisions, with which tags; and the chart profile and platform. */
export interface IstioSettings {
    /** Every control-plane revision, in the order written. */
    readonly revisions: readonly RevisionSettings[];
    /** Revision tag -> revision name; `default` is always present. */
    readonly tags: Readonly<Record<string, string>>;
    /** The version of the default tag's revision. */
    readonly version: IstioVersion;
    /** The default tag's revision: it owns cluster-wide validation. */
    readonly revision: string;
    /** The newest version among the revisions: CRDs, cluster roles, gateways and the CNI agent come from its charts. */
    readonly baseVersion: IstioVersion;
    readonly profile: IstioProfile;
    readonly platform?: IstioPlatform;
}

export interface MeshSettings {
    readonly istio: IstioSettings;
    /** The namespace of istiod and the mesh's root namespace. */
    readonly namespace: string;
    readonly charts: ChartSource;
    readonly images: ImageSettings;
    readonly istiod: IstiodSettings;
    readonly meshConfig: MeshConfigSettings;
    readonly proxy: ProxySettings;
    readonly cluster: ClusterSettings;
    readonly pki: PkiSettings;
    readonly multiCluster: MultiClusterSettings;
    readonly mtls: MtlsSettings;
    readonly namespaces: readonly NamespaceEnrollment[];
    readonly webhooks: WebhookSettings;
    readonly interception: InterceptionSettings;
    readonly gateways: readonly GatewaySettings[];
    readonly egress: EgressSettings;
    /** Sidecar or ambient; ambient adds ztunnel and runs the CNI agent in ambient mode. */
    readonly dataPlane: DataPlaneSettings;
    /** Whether the stack manages the Gateway API CRDs (and at which version), checks another owner's, or neither. */
    readonly gatewayApi: GatewayApiSettings;
    /** Chart overrides, merged over the stack's own values (keys the stack derives were refused). */
    readonly values: ValuesInput;
    readonly readiness: ReadinessSettings;
    readonly lifecycle: LifecycleSettings;
}

/** Environment that may override the configuration: a local chart folder for air-gapped and local runs. */
export interface SettingsEnvironment {
    readonly chartsDirectory?: string;
}

/** Applies every concern's defaults to a configuration that already passed the schema and every check. */
export function toSettings(input: MeshConfigInput, env: SettingsEnvironment = {}): MeshSettings {
    const revisions = toRevisions(input.istio);
    const tags = toTags(input.istio, revisions);
    const defaultRevision = revisions.find((revision) => revision.name === tags[DEFAULT_TAG])!;
    const namespace = istioNamespaceOf(input.namespace);
    const gateways = toGatewaySettings(input.gateways);
    const dataPlane = toDataPlaneSettings(input, namespace);
    const baseVersion = newest(revisions.map((revision) => revision.version));
    return {
        istio: {
            revisions,
            tags,
            version: defaultRevision.version,
            revision: defaultRevision.name,
            baseVersion,
            // "default" is Istio's own default profile: no profile file applied.
            profile: input.istio.profile ?? "default",
            platform: input.istio.platform,
        },
        namespace,
        charts: toChartSource(input.charts, env.chartsDirectory),
        images: toImageSettings(input.images),
        istiod: toIstiodSettings(input.istiod),
        meshConfig: toMeshConfigSettings(input.meshConfig),
        proxy: toProxySettings(input.proxy),
        cluster: toClusterSettings(input.cluster),
        pki: toPkiSettings(input.pki),
        multiCluster: toMultiClusterSettings(input.multiCluster),
        mtls: toMtlsSettings(input.mtls),
        namespaces: toNamespaceEnrollments(input.namespaces, dataPlane.mode),
        webhooks: toWebhookSettings(input.webhooks, namespace),
        interception: toInterceptionSettings(input.interception, input.istio.platform, namespace, dataPlane.mode),
        gateways,
        egress: toEgressSettings(input.egress, gateways),
        dataPlane,
        gatewayApi: toGatewayApiSettings(input, baseVersion),
        // No overrides: the stack's own values, and the charts' defaults below them.
        values: input.values ?? {},
        readiness: toReadinessSettings(input.readiness),
        lifecycle: toLifecycleSettings(input.lifecycle),
    };
}

/** A revision's image tag: pinned to its release, never a moving tag, unless a tag is configured. */
export function imageTagFor(images: ImageSettings, revision: RevisionSettings): string {
    return images.tag ?? revision.version.text;
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
