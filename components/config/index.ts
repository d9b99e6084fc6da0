/**
 * The configuration entry of the package (`pulumi-istio-mesh/config`): the mesh configuration as a stack file or a
 * program writes it (MeshConfiguration, each key with its default), its schema, the parser that validates it and
 * applies the defaults, the loader of a stack's configuration, and the typed settings the parts take.
 *
 * @module pulumi-istio-mesh/config
 */
export { CHARTS_DIRECTORY_ENV, configuredRootIssues, parseMeshConfig, ROOT_CERTIFICATES_KEY, validMeshConfig } from "./load";
export { isCaStack, loadMeshArgs, loadMeshCaArgs } from "./stackConfig";
export { MESH_CONFIG_KEY, meshSchema } from "./schema";
export type { MeshConfigInput, MeshConfiguration } from "./schema";
export { MeshConfigError } from "./issues";
export type { ConfigIssue, ConfigSection } from "./issues";
export { CA_CONFIG_KEY, caSchema, toCaSettings, validCaConfig } from "./caStack";
export { ISTIO_SUPPORT_CALENDAR, parseIstioVersion, supportedIstioLines } from "./istioVersion";
export type { IstioLineSupport } from "./istioVersion";
export type { IstioVersion } from "./istioVersion";

// The configuration as written (each concern's `...Config` types) and the validated settings with every default
// applied (`...Settings`, what the parts take), concern by concern.
export type * from "./caStack";
export type * from "./controlPlane";
export type * from "./enrollment";
export type * from "./gateways";
export type * from "./interception";
export type * from "./meshConfig";
export type * from "./multiCluster";
export type * from "./pki";
export type * from "./primitives";
export type * from "./settings";
