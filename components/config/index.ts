/**
 * The configuration entry of the package (`pulumi-istio-mesh/config`): the schema of the mesh configuration as a
 * stack file or a program writes it, the parser that validates it and applies the defaults, and the typed settings
 * it produces.
 *
 * @module pulumi-istio-mesh/config
 */
export { CHARTS_DIRECTORY_ENV, configuredRootIssues, loadConfiguredRoots, loadMeshSettings, parseMeshConfig, ROOT_CERTIFICATES_KEY } from "./load";
export { MESH_CONFIG_KEY, meshSchema } from "./schema";
export type { MeshConfigInput } from "./schema";
export { MeshConfigError } from "./issues";
export type { ConfigIssue } from "./issues";
export { SUPPORTED_ISTIO_LINES, parseIstioVersion } from "./istioVersion";
export type { IstioVersion } from "./istioVersion";
export type {
    ChartSource,
    ClusterSettings,
    ImageSettings,
    IstiodSettings,
    MeshConfigSettings,
    MeshSettings,
    ResourceQuantities,
    ResourceRequirements,
    SettingsEnvironment,
} from "./settings";
export type { NamespaceEnrollment, RevisionSettings, WebhookSettings } from "./enrollmentSettings";
export type { AllowedHost, EgressSettings, GatewaySettings } from "./gatewaySettings";
export type { CniSettings, InterceptionSettings } from "./interceptionSettings";
export type { MtlsSettings, MultiClusterSettings, PkiSettings, RootSettings } from "./pkiSettings";
