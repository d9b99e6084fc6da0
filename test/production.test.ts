/**
 * The keys a production cluster needs: scheduling and pod settings, gateway load balancers, MeshConfig in full, proxy
 * and istiod defaults, and per-chart overrides. Each reaches the chart key that Istio's charts read.
 */
import { baseValues, istiodValues } from "../components/controlplane/values";
import { gatewayValues } from "../components/gateways/values";
import { cniImage, cniValues } from "../components/interception/values";
import { MeshSettings } from "../components/config/settings";
import { configProblems, configWith, settingsWith } from "./fixtures";

const scheduling = {
    nodeSelector: { "node-role.kubernetes.io/infra": "" },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "infra", effect: "NoSchedule" }],
    affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" }],
    priorityClassName: "system-cluster-critical",
    podAnnotations: { "prometheus.io/scrape": "true" },
    podLabels: { team: "platform" },
};

function istiodOf(settings: MeshSettings) {
    return istiodValues(settings, settings.istio.revisions[0]);
}

function cniOf(settings: MeshSettings) {
    if (settings.interception.mode !== "cni") {
        throw new Error("expected CNI mode");
    }
    return cniValues(settings.interception.cni, cniImage(settings.images, settings.istio.baseVersion, settings.istio.platform), settings.values.cni);
}

describe("scheduling and pod settings", () => {
    test("istiod: under pilot (the chart copies it over its top level), the priority class under global", () => {
        const values = istiodOf(settingsWith({ istiod: scheduling }));
        expect(values.pilot).toMatchObject({
            nodeSelector: scheduling.nodeSelector,
            tolerations: scheduling.tolerations,
            affinity: scheduling.affinity,
            topologySpreadConstraints: scheduling.topologySpreadConstraints,
            podAnnotations: scheduling.podAnnotations,
            podLabels: scheduling.podLabels,
        });
        expect(values.global.priorityClassName).toBe("system-cluster-critical");
    });

    test("unset, they are left out so that the chart keeps its own", () => {
        const values = istiodOf(settingsWith());
        for (const key of ["nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "podAnnotations", "podLabels", "env"]) {
            expect(values.pilot).not.toHaveProperty(key);
        }
        expect(values.global).not.toHaveProperty("priorityClassName");
    });

    test("every gateway: the gateway chart's keys; its pod labels join the chart's one labels key", () => {
        const settings = settingsWith({ gateways: [{ name: "istio-ingressgateway", kind: "ingress", serviceLabels: { tier: "edge" }, ...scheduling }] });
        const values = gatewayValues(settings.gateways[0], []);
        expect(values).toMatchObject({
            nodeSelector: scheduling.nodeSelector,
            tolerations: scheduling.tolerations,
            affinity: scheduling.affinity,
            topologySpreadConstraints: scheduling.topologySpreadConstraints,
            priorityClassName: "system-cluster-critical",
            podAnnotations: scheduling.podAnnotations,
            labels: { tier: "edge", team: "platform" },
        });
    });

    test("the CNI agent: tolerations, affinity and pod metadata under cni; no node selector, spread or priority", () => {
        const { tolerations, affinity, podAnnotations, podLabels } = scheduling;
        const values = cniOf(settingsWith({ interception: { mode: "cni", cni: { tolerations, affinity, podAnnotations, podLabels } } }));
        expect(values.cni).toMatchObject({ tolerations, affinity, podAnnotations, podLabels });
        expect(configProblems(configWith({ interception: { mode: "cni", cni: { nodeSelector: { a: "b" }, priorityClassName: "high" } } }))).toEqual([
            'mesh.interception.cni.nodeSelector: got {"a":"b"}; the CNI agent runs on every node, at priority system-node-critical, and ' +
                "Istio's cni chart has no such key. Fix: remove it; to keep the agent off some nodes use interception.cni.affinity (nodeAffinity)",
            'mesh.interception.cni.priorityClassName: got "high"; the CNI agent runs on every node, at priority system-node-critical, and ' +
                "Istio's cni chart has no such key. Fix: remove it; to keep the agent off some nodes use interception.cni.affinity (nodeAffinity)",
        ]);
    });

    test("a toleration with an unknown effect is refused with the choices", () => {
        expect(configProblems(configWith({ istiod: { tolerations: [{ key: "a", effect: "NoScheduling" }] } }))).toEqual([
            'mesh.istiod.tolerations[0].effect: got "NoScheduling"; allowed: one of "NoSchedule", "PreferNoSchedule", "NoExecute". ' +
                "Fix: pulumi config set --path 'mesh.istiod.tolerations[0].effect' NoSchedule",
        ]);
    });
});

describe("gateway Services and autoscalers", () => {
    test("load-balancer keys reach service.*, the autoscaler's target CPU reaches autoscaling", () => {
        const settings = settingsWith({
            gateways: [
                {
                    name: "istio-ingressgateway",
                    kind: "ingress",
                    loadBalancerClass: "service.k8s.aws/nlb",
                    loadBalancerIP: "203.0.113.10",
                    loadBalancerSourceRanges: ["203.0.113.0/24"],
                    externalTrafficPolicy: "Local",
                    autoscale: { min: 2, max: 6, targetCpuUtilization: 60 },
                },
            ],
        });
        const values = gatewayValues(settings.gateways[0], []);
        expect(values.service).toMatchObject({
            loadBalancerClass: "service.k8s.aws/nlb",
            loadBalancerIP: "203.0.113.10",
            loadBalancerSourceRanges: ["203.0.113.0/24"],
            externalTrafficPolicy: "Local",
        });
        expect(values.autoscaling).toEqual({ enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 60 });
    });

    test("load-balancer keys on a ClusterIP gateway are refused", () => {
        expect(
            configProblems(configWith({ gateways: [{ name: "istio-egressgateway", kind: "egress", loadBalancerSourceRanges: ["10.0.0.0/8"], externalTrafficPolicy: "Local" }] })),
        ).toEqual([
            'mesh.gateways[0].loadBalancerSourceRanges: got ["10.0.0.0/8"]; applies to a LoadBalancer Service, and this gateway\'s is ClusterIP. Fix: set serviceType: LoadBalancer, or remove loadBalancerSourceRanges',
            'mesh.gateways[0].externalTrafficPolicy: got "Local"; applies to LoadBalancer and NodePort Services, and this gateway\'s is ClusterIP. Fix: set serviceType, or remove externalTrafficPolicy',
        ]);
    });
});

describe("meshConfig in full", () => {
    const tracing = {
        enableTracing: true,
        accessLogFormat: "[%START_TIME%] %REQ(:METHOD)%\n",
        extensionProviders: [{ name: "otel-tracing", opentelemetry: { service: "otel-collector.observability.svc.cluster.local", port: 4317 } }],
        defaultProviders: { tracing: ["otel-tracing"] },
        discoverySelectors: [{ matchLabels: { "istio-discovery": "enabled" } }],
        localityLbSetting: { enabled: true },
        defaultHttpRetryPolicy: { attempts: 3, perTryTimeout: "2s", retryOn: "5xx" },
        defaultConfig: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" }, tracing: { sampling: 10 }, concurrency: 2, terminationDrainDuration: "10s" },
        enableAutoMtls: true,
    };

    test("typed keys and every other MeshConfig field reach the chart's meshConfig verbatim", () => {
        const values = istiodOf(settingsWith({ meshConfig: tracing }));
        expect(values.meshConfig).toMatchObject({
            enableTracing: true,
            accessLogFormat: tracing.accessLogFormat,
            extensionProviders: tracing.extensionProviders,
            defaultProviders: tracing.defaultProviders,
            discoverySelectors: tracing.discoverySelectors,
            localityLbSetting: { enabled: true },
            defaultHttpRetryPolicy: tracing.defaultHttpRetryPolicy,
            enableAutoMtls: true,
            defaultConfig: { ...tracing.defaultConfig, holdApplicationUntilProxyStarts: true },
        });
    });

    test("an unknown field names the closest known one", () => {
        expect(configProblems(configWith({ meshConfig: { enableTracng: true, defaultConfig: { proxyMetdata: {} } } }))).toEqual([
            'mesh.meshConfig.defaultConfig.proxyMetdata: got {}; unknown key "proxyMetdata". Fix: did you mean proxyMetadata? (mesh.meshConfig.defaultConfig.proxyMetadata)',
            'mesh.meshConfig.enableTracng: got true; unknown key "enableTracng". Fix: did you mean enableTracing? (mesh.meshConfig.enableTracing)',
        ]);
    });

    test("fields the stack derives are refused with the key to use; providers must exist and have one kind", () => {
        expect(
            configProblems(
                configWith({
                    meshConfig: {
                        rootNamespace: "other",
                        defaultConfig: { discoveryAddress: "istiod.istio-system.svc:15012" },
                        extensionProviders: [{ name: "two", zipkin: {}, datadog: {} }],
                        defaultProviders: { tracing: ["missing"] },
                    },
                }),
            ),
        ).toEqual([
            'mesh.meshConfig.defaultConfig.discoveryAddress: got "istiod.istio-system.svc:15012"; derived by the stack, so that its pieces cannot disagree. Fix: remove it and set mesh.istio.revisions (each revision\'s istiod address is derived)',
            "mesh.meshConfig.extensionProviders[0]: got {\"name\":\"two\",\"zipkin\":{},\"datadog\":{}}; allowed: exactly one provider kind (envoyExtAuthzHttp, envoyExtAuthzGrpc, zipkin, lightstep, datadog, stackdriver, opencensus, skywalking, opentelemetry, prometheus, envoyFileAccessLog, envoyHttpAls, envoyTcpAls, envoyOtelAls, sds) beside the name. Fix: e.g. { name: otel-tracing, opentelemetry: { service: otel-collector.observability.svc.cluster.local, port: 4317 } }",
            'mesh.meshConfig.rootNamespace: got "other"; derived by the stack, so that its pieces cannot disagree. Fix: remove it and set mesh.namespace',
        ]);
        expect(configProblems(configWith({ meshConfig: { extensionProviders: [{ name: "zipkin", zipkin: { service: "zipkin.tracing", port: 9411 } }], defaultProviders: { tracing: ["otel"] } } }))).toEqual([
            'mesh.meshConfig.defaultProviders.tracing[0]: got "otel"; allowed: a provider of meshConfig.extensionProviders (zipkin) or a built-in one (envoy, prometheus). Fix: declare it in meshConfig.extensionProviders',
        ]);
    });
});

describe("proxy and istiod defaults", () => {
    test("proxy resources and log levels reach global.proxy, the image variant global.variant, istiod's level and env their keys", () => {
        const settings = settingsWith({
            images: { variant: "distroless" },
            proxy: { resources: { requests: { cpu: "50m", memory: "64Mi" } }, logLevel: "warning", componentLogLevel: "misc:error,upstream:warning" },
            istiod: { logLevel: "default:info,ads:debug", env: { PILOT_ENABLE_ALPHA_GATEWAY_API: "true" } },
            interception: { mode: "cni" },
        });
        const values = istiodOf(settings);
        expect(values.global).toMatchObject({
            variant: "distroless",
            proxy: { resources: { requests: { cpu: "50m", memory: "64Mi" } }, logLevel: "warning", componentLogLevel: "misc:error,upstream:warning" },
            logging: { level: "default:info,ads:debug" },
        });
        expect(values.pilot.env).toEqual({ PILOT_ENABLE_ALPHA_GATEWAY_API: "true" });
        expect(cniOf(settings).global.variant).toBe("distroless");
    });

    test("unset, Istio's own apply", () => {
        const values = istiodOf(settingsWith());
        expect(values.global).not.toHaveProperty("proxy");
        expect(values.global).not.toHaveProperty("variant");
        expect(values.global).not.toHaveProperty("logging");
    });

    test("a log level outside Envoy's and an env value that is not a string are refused", () => {
        expect(configProblems(configWith({ proxy: { logLevel: "verbose" }, istiod: { env: { PILOT_TRACE_SAMPLING: 1 } } }))).toEqual([
            'mesh.istiod.env.PILOT_TRACE_SAMPLING: got 1; allowed: a string value (quote numbers and booleans). Fix: e.g. "true"',
            'mesh.proxy.logLevel: got "verbose"; allowed: one of "trace", "debug", "info", "warning", "error", "critical", "off". Fix: pulumi config set --path \'mesh.proxy.logLevel\' trace',
        ]);
    });
});

describe("an escape hatch per chart", () => {
    test("values are deep-merged over the stack's own; a gateway's own values over values.gateway", () => {
        const settings = settingsWith({
            values: {
                base: { base: { enableCRDTemplates: true } },
                istiod: { pilot: { traceSampling: 5 }, global: { proxy: { holdApplicationUntilProxyStarts: true } } },
                gateway: { terminationGracePeriodSeconds: 60, minReadySeconds: 5 },
            },
            gateways: [{ name: "istio-ingressgateway", kind: "ingress", values: { minReadySeconds: 10 } }],
        });
        expect(baseValues(settings)).toMatchObject({ base: { validationFailurePolicy: "Fail", enableCRDTemplates: true } });
        const istiod = istiodOf(settings);
        expect(istiod.pilot).toMatchObject({ traceSampling: 5, replicaCount: 1 });
        expect(istiod.global).toMatchObject({ istioNamespace: "istio-system", proxy: { holdApplicationUntilProxyStarts: true } });
        expect(gatewayValues(settings.gateways[0], [], settings.values.gateway)).toMatchObject({ terminationGracePeriodSeconds: 60, minReadySeconds: 10 });
    });

    test("a key the stack derives is refused, in either spelling, naming the typed key", () => {
        expect(
            configProblems(
                configWith({
                    values: {
                        istiod: { revision: "other", pilot: { cni: { enabled: true } }, meshConfig: { trustDomain: "x" } },
                        cni: { cni: { cniBinDir: "/x" } },
                        base: { global: { istioNamespace: "other" } },
                    },
                    gateways: [{ name: "istio-ingressgateway", kind: "ingress", values: { service: { type: "NodePort" } } }],
                }),
            ),
        ).toEqual([
            "mesh.gateways[0].values.service.type: got \"NodePort\"; derived by the stack from mesh.gateways[].serviceType, so that its pieces cannot disagree. Fix: remove it and set mesh.gateways[].serviceType",
            'mesh.values.base.global.istioNamespace: got "other"; derived by the stack from mesh.namespace, so that its pieces cannot disagree. Fix: remove it and set mesh.namespace',
            'mesh.values.istiod.revision: got "other"; derived by the stack from mesh.istio.revisions[].name, so that its pieces cannot disagree. Fix: remove it and set mesh.istio.revisions[].name',
            'mesh.values.istiod.pilot.cni: got {"enabled":true}; derived by the stack from mesh.interception.mode, so that its pieces cannot disagree. Fix: remove it and set mesh.interception.mode',
            'mesh.values.istiod.meshConfig: got {"trustDomain":"x"}; derived by the stack from mesh.meshConfig (every MeshConfig field is accepted there), so that its pieces cannot disagree. Fix: remove it and set mesh.meshConfig (every MeshConfig field is accepted there)',
            'mesh.values.cni.cni.cniBinDir: got "/x"; derived by the stack from mesh.interception.cni.binDir, so that its pieces cannot disagree. Fix: remove it and set mesh.interception.cni.binDir',
        ]);
    });
});
