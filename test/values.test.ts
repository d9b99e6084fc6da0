import { baseValues, istiodValues } from "../components/controlplane/values";
import { MeshSettings } from "../components/config/settings";
import { settingsWith } from "./fixtures";

/** istiod's values for a configuration with one revision. */
function onlyRevision(settings: MeshSettings) {
    return istiodValues(settings, settings.istio.revisions[0]);
}

const productionLike = {
    istio: { version: "1.31.0", revision: "prod-1-31", profile: "stable", platform: "gke" },
    namespace: "mesh-system",
    images: { hub: "registry.example.com/istio", tag: "1.31.0-distroless", pullSecrets: ["registry-credentials"] },
    istiod: {
        autoscale: { enabled: true, min: 3, max: 7, targetCpuUtilization: 65 },
        disruptionBudget: { minAvailable: 2 },
        resources: { requests: { cpu: "1", memory: "3Gi" }, limits: { memory: "4Gi" } },
    },
    meshConfig: {
        accessLogFile: "/dev/stdout",
        accessLogEncoding: "JSON",
        outboundTrafficPolicy: "REGISTRY_ONLY",
        holdApplicationUntilProxyStarts: false,
        trustDomain: "prod.example.com",
    },
};

describe("base chart values", () => {
    test("minimal configuration", () => {
        expect(baseValues(settingsWith())).toEqual({
            global: { istioNamespace: "istio-system", imagePullSecrets: [] },
            defaultRevision: "1-30-3",
            base: { validationFailurePolicy: "Fail" },
        });
    });

    test("every configured value reaches the chart", () => {
        expect(baseValues(settingsWith(productionLike))).toEqual({
            global: { istioNamespace: "mesh-system", imagePullSecrets: ["registry-credentials"], platform: "gke" },
            defaultRevision: "prod-1-31",
            base: { validationFailurePolicy: "Fail" },
            profile: "stable",
        });
    });
});

describe("istiod chart values", () => {
    test("minimal configuration", () => {
        expect(onlyRevision(settingsWith())).toEqual({
            revision: "1-30-3",
            revisionTags: ["default"],
            global: {
                istioNamespace: "istio-system",
                hub: "docker.io/istio",
                tag: "1.30.3",
                imagePullSecrets: [],
                defaultPodDisruptionBudget: { enabled: false },
            },
            meshConfig: {
                rootNamespace: "istio-system",
                trustDomain: "cluster.local",
                accessLogFile: "",
                accessLogEncoding: "TEXT",
                outboundTrafficPolicy: { mode: "ALLOW_ANY" },
                defaultConfig: { holdApplicationUntilProxyStarts: true },
            },
            base: { validationFailurePolicy: "Fail" },
            sidecarInjectorWebhook: { reinvocationPolicy: "Never", neverInjectSelector: [], alwaysInjectSelector: [] },
            pilot: {
                replicaCount: 1,
                autoscaleEnabled: false,
                autoscaleMin: 1,
                autoscaleMax: 5,
                cpu: { targetAverageUtilization: 80 },
                resources: { requests: { cpu: "500m", memory: "2048Mi" } },
                pdb: { minAvailable: 1 },
                cni: { enabled: false },
            },
        });
    });

    test("every configured value reaches the chart", () => {
        expect(onlyRevision(settingsWith(productionLike))).toEqual({
            revision: "prod-1-31",
            revisionTags: ["default"],
            profile: "stable",
            global: {
                istioNamespace: "mesh-system",
                hub: "registry.example.com/istio",
                tag: "1.31.0-distroless",
                imagePullSecrets: ["registry-credentials"],
                platform: "gke",
                defaultPodDisruptionBudget: { enabled: true },
            },
            meshConfig: {
                rootNamespace: "mesh-system",
                trustDomain: "prod.example.com",
                accessLogFile: "/dev/stdout",
                accessLogEncoding: "JSON",
                outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
                defaultConfig: { holdApplicationUntilProxyStarts: false },
            },
            base: { validationFailurePolicy: "Fail" },
            sidecarInjectorWebhook: { reinvocationPolicy: "Never", neverInjectSelector: [], alwaysInjectSelector: [] },
            pilot: {
                replicaCount: 1,
                autoscaleEnabled: true,
                autoscaleMin: 3,
                autoscaleMax: 7,
                cpu: { targetAverageUtilization: 65 },
                resources: { requests: { cpu: "1", memory: "3Gi" }, limits: { memory: "4Gi" } },
                pdb: { minAvailable: 2 },
                cni: { enabled: false },
            },
        });
    });

    test("fixed replicas above one turn on the disruption budget", () => {
        const values = onlyRevision(settingsWith({ istiod: { replicas: 2 } }));
        expect([values.pilot.replicaCount, values.pilot.autoscaleEnabled, values.global.defaultPodDisruptionBudget]).toEqual([
            2,
            false,
            { enabled: true },
        ]);
    });
});
