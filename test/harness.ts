/** The project's unit tests use the same mock harness as the package's users (`pulumi-istio-mesh/testing`). */
export * from "../components/testing";
