/**
 * The smallest mesh: Istio 1.30.3 with every default (a generated root CA, istio-init interception, PERMISSIVE
 * mutual TLS), on the cluster of the current kube context (KUBECONFIG or ~/.kube/config).
 */
import { Mesh } from "pulumi-istio-mesh";

const mesh = new Mesh("mesh", { istio: { version: "1.30.3" } });

export const revision = mesh.revision;
export const istioNamespace = mesh.namespace;
