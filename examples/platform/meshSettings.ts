/**
 * This platform's mesh, per environment, as the Mesh component takes it: the package's MeshConfiguration, the same
 * keys as the stack configuration of the istio-mesh stack (see its README). Kept apart from index.ts so that the unit tests in
 * meshSettings.test.ts check exactly what the program installs.
 */
import type { MeshConfiguration } from "pulumi-istio-mesh/config";

export const ENVIRONMENTS = ["dev", "prod", "simulated"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export function isEnvironment(name: string): name is Environment {
    return (ENVIRONMENTS as readonly string[]).includes(name);
}

/** The Istio release of every environment: pinned here, so that an upgrade is a reviewed change of this file. */
const ISTIO_VERSION = "1.30.3";

/** The teams' namespaces, in the mesh in every environment. */
const TEAM_NAMESPACES = [{ name: "shop" }, { name: "payments" }];

export function meshSettings(environment: Environment, chartsDirectory?: string): MeshConfiguration {
    // A local copy of Istio's charts where the cluster's network cannot reach Istio's repositories.
    const charts = chartsDirectory === undefined ? {} : { charts: { directory: chartsDirectory } };
    const dev: MeshConfiguration = {
        istio: { version: ISTIO_VERSION },
        ...charts,
        meshConfig: { accessLogFile: "/dev/stdout", trustDomain: "dev.platform.example.com" },
        namespaces: TEAM_NAMESPACES,
        gateways: [{ name: "ingress", kind: "ingress" }],
    };
    switch (environment) {
        case "dev":
            return dev;
        case "prod":
            return {
                istio: { version: ISTIO_VERSION },
                ...charts,
                // Two istiod pods and a budget that keeps one through node drains.
                istiod: { replicas: 2, disruptionBudget: { enabled: true, minAvailable: 1 } },
                meshConfig: { trustDomain: "prod.platform.example.com" },
                mtls: { mode: "STRICT" },
                interception: { mode: "cni" },
                multiCluster: { clusterName: "prod-eu-1" },
                namespaces: TEAM_NAMESPACES,
                gateways: [{ name: "ingress", kind: "ingress", replicas: 2 }],
            };
        case "simulated":
            // A cluster whose nodes run no containers (a local control plane with simulated kubelets): no istiod
            // serves the webhooks there, so validation fails open, nothing needs the injector (no gateway) and the
            // readiness gate says it skips its probes rather than wait for an injector that never answers.
            return {
                ...dev,
                istiod: { resources: { requests: { cpu: "10m", memory: "64Mi" } } },
                webhooks: { validationFailurePolicy: "Ignore" },
                readiness: { probe: "skip" },
                gateways: [],
            };
    }
}
