/**
 * A platform team's program: its own Kubernetes provider, made from the cluster's kubeconfig as an Output (a secret
 * of this stack here; the output of the cluster resource in a program that also creates the cluster), and its own
 * mesh settings per environment (meshSettings.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Mesh } from "pulumi-istio-mesh";
import { ENVIRONMENTS, isEnvironment, meshSettings } from "./meshSettings";

const config = new pulumi.Config();
const environment = config.get("environment") ?? pulumi.getStack();
if (!isEnvironment(environment)) {
    throw new Error(`environment: got "${environment}"; allowed: ${ENVIRONMENTS.join(", ")}. Fix: pulumi config set environment dev`);
}

const kubeconfig: pulumi.Output<string> = config.requireSecret("kubeconfig");
const provider = new k8s.Provider("cluster", {
    kubeconfig,
    // Update ConfigMaps and Secrets in place: istiod must never see its mesh configuration or its CA Secret missing.
    enableConfigMapMutable: true,
    enableSecretMutable: true,
});

const mesh = new Mesh("mesh", meshSettings(environment, config.get("chartsDirectory")), { provider });

export const istioVersion = mesh.version;
export const revision = mesh.revision;
export const istioNamespace = mesh.namespace;
export const trustDomain = mesh.trustDomain;
export const rootCertificatePem = mesh.certificateAuthority?.rootCertificatePem;
