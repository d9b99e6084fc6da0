/**
 * The configuration entry of the package (`pulumi-istio-mesh/config`): the mesh configuration as a stack file or a
 * program writes it (MeshConfiguration, each key with its default), its schema, the parser that validates it and
 * applies the defaults, the loader of a stack's configuration, and the typed settings the parts take.
 *
 * @module pulumi-istio-mesh/config
 */
export {
    CHARTS_DIRECTORY_ENV,
    configuredRootIssues,
    loadMeshArgs,
    parseMeshConfig,
    ROOT_CERTIFICATES_KEY,
    validMeshConfig,
} from "./load";
export { MESH_CONFIG_KEY, meshSchema } from "./schema";
export type { MeshConfigInput, MeshConfiguration } from "./schema";
export { MeshConfigError } from "./issues";
export type { ConfigIssue } from "./issues";
export { parseIstioVersion, SUPPORTED_ISTIO_LINES } from "./istioVersion";
export type { IstioVersion } from "./istioVersion";

// The configuration as written, section by section.
export type {
    AccessLogEncoding,
    ChartsConfig,
    ClusterConfig,
    ImagesConfig,
    IstioConfig,
    IstiodConfig,
    IstioPlatform,
    IstioProfile,
    MeshConfigConfig,
    OutboundTrafficPolicy,
} from "./controlPlane";
export type { FailurePolicy, NamespaceConfig, PodSecurityLevel, ReinvocationPolicy, RevisionConfig, RevisionsConfig, WebhooksConfig } from "./enrollment";
export type { AllowedHostConfig, EgressConfig, EgressProtocol, GatewayConfig, GatewayKind, GatewayPortConfig, IngressHostConfig, ServiceType } from "./gateways";
export type { CniConfig, InterceptionConfig, InterceptionMode, RepairAction } from "./interception";
export type { EcdsaCurve, KeyAlgorithm, MtlsConfig, MtlsMode, MultiClusterConfig, PkiConfig, RootConfig, RootSource, RsaBits } from "./pki";
export type { ResourceListConfig, ResourcesConfig } from "./primitives";

// The validated settings, with every default applied: what the parts take.
export type {
    ChartSource,
    ClusterSettings,
    ImageSettings,
    IstioSettings,
    IstiodSettings,
    MeshConfigSettings,
    MeshSettings,
    ResourceQuantities,
    ResourceRequirements,
    SettingsEnvironment,
} from "./settings";
export type { NamespaceEnrollment, RevisionSettings, WebhookSettings } from "./enrollment";
export type { AllowedHost, EgressSettings, GatewaySettings } from "./gateways";
export type { CniSettings, InterceptionSettings } from "./interception";
export type { MtlsSettings, MultiClusterSettings, PkiSettings, RootSettings } from "./pki";
