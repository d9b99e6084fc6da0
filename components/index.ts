/**
 * The package's main entry (`pulumi-istio-mesh`): the Mesh component, the components it composes for teams that
 * assemble a mesh of their own, and the configuration (also its own entry, `pulumi-istio-mesh/config`).
 * The mock harness for users' unit tests is `pulumi-istio-mesh/testing`.
 *
 * @module pulumi-istio-mesh
 */
export { Mesh } from "./mesh";
export type { GatewayOutputs, MeshArgs, NamespaceCreatedElsewhere } from "./mesh";

export { ControlPlane } from "./controlplane/controlPlane";
export type { ControlPlaneArgs } from "./controlplane/controlPlane";
export type { ControlPlaneSettings } from "./controlplane/values";

export { CertificateAuthority } from "./pki/certificateAuthority";
export type { CertificateAuthorityArgs, RootMaterial } from "./pki/certificateAuthority";
export type { PluginCaCertificates } from "./pki/cacerts";
export { MeshCa } from "./pki/meshCa";
export type { MeshCaArgs } from "./pki/meshCa";
export { CLUSTER_INTERMEDIATE_KEYS_OUTPUT, CLUSTER_INTERMEDIATES_OUTPUT, clusterIntermediateOf } from "./pki/caStackOutputs";
export type { ClusterIntermediate, ClusterIntermediateRequest } from "./pki/caStackOutputs";

export { Gateway } from "./gateways/gateway";
export type { GatewayArgs } from "./gateways/gateway";
export { EgressLockdown } from "./gateways/egressLockdown";
export type { EgressLockdownArgs } from "./gateways/egressLockdown";

export { Enrollment } from "./enrollment/enrollment";
export type { EnrollmentArgs } from "./enrollment/enrollment";
export type { EnrollmentReport } from "./enrollment/labels";

export { CniAgent } from "./interception/cniAgent";
export type { CniAgentArgs } from "./interception/cniAgent";
export { cniImage } from "./interception/values";
export type { CniImage } from "./interception/values";

export { EastWestGateway } from "./multicluster/eastWestGateway";
export type { EastWestGatewayArgs } from "./multicluster/eastWestGateway";
export { ReaderAccess } from "./multicluster/readerAccess";
export type { ReaderAccessArgs } from "./multicluster/readerAccess";
export { RemoteSecrets } from "./multicluster/remoteSecrets";
export type { RemoteSecretsArgs } from "./multicluster/remoteSecrets";
export { READER_KUBECONFIG_OUTPUT } from "./multicluster/peers";

export { MeshPolicy } from "./security/meshPolicy";
export type { MeshPolicyArgs } from "./security/meshPolicy";

export * from "./config";

export { installReadableErrors, readableMessage } from "./program/readableErrors";
export { installUnmappedBookkeepingTraces } from "./program/bookkeepingTraces";
