/**
 * The testing entry of the package (`pulumi-istio-mesh/testing`): Pulumi's mock runtime with a recorder of every
 * resource a program registers, for unit tests of a mesh configuration without a cluster or an engine.
 *
 * @module pulumi-istio-mesh/testing
 */
export { fakePem, isKnown, MockHarness, pemName, unwrap, useMocks } from "./harness";
export type { MockOptions, MockState, RegisteredResource, ResourceOverride } from "./harness";
