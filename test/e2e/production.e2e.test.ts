/**
 * A production-like configuration through the real engine on a real API server: scheduling constraints, a tracing
 * extension provider, discoverySelectors, proxy and istiod defaults and chart overrides are applied, the live objects
 * carry each setting (read back with kubectl), and a second up changes nothing. Then: a platform profile cannot
 * override the typed settings in what the charts render, and an invalid configuration prints its message alone.
 *
 * On the local cluster nodes are simulated and nothing serves istiod's webhooks (see mesh.e2e.test.ts): validation
 * fails open, and the gateway's pods, which the injector must fill in, are not awaited (the chart override below).
 */
import * as automation from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { changes, clusterEnv, E2eWorkspace } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const version = process.env.ISTIO_E2E_VERSION ?? "1.30.3";
const revision = version.replace(/[^a-z0-9]+/g, "-");
const suite = chartsDirectory && kubeconfig ? describe : describe.skip;

if (!chartsDirectory || !kubeconfig) {
    console.log(`production suite skipped: ${!chartsDirectory ? `${CHARTS_DIRECTORY_ENV} is not set` : "KUBECONFIG is not set"}`);
}

const TOLERATION = { key: "dedicated", operator: "Equal", value: "infra", effect: "NoSchedule" };
const SPREAD = {
    maxSkew: 1,
    topologyKey: "kubernetes.io/hostname",
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: { app: "istiod" } },
};
const TRACING = { name: "otel-tracing", opentelemetry: { service: "otel-collector.observability.svc.cluster.local", port: 4317 } };
const DISCOVERY = [{ matchLabels: { "istio-discovery": "enabled" } }];

function productionConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio: { version },
        istiod: {
            replicas: 2,
            resources: { requests: { cpu: "10m", memory: "64Mi" } },
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [TOLERATION],
            topologySpreadConstraints: [SPREAD],
            priorityClassName: "system-cluster-critical",
            podAnnotations: { "example.com/owner": "platform" },
            podLabels: { team: "platform" },
            logLevel: "default:info,ads:debug",
            env: { PILOT_ENABLE_STATUS: "true" },
        },
        meshConfig: {
            trustDomain: "prod.example.com",
            extensionProviders: [TRACING],
            defaultProviders: { tracing: ["otel-tracing"] },
            discoverySelectors: DISCOVERY,
            defaultConfig: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" }, concurrency: 2 },
            enableAutoMtls: true,
        },
        proxy: { resources: { requests: { cpu: "20m", memory: "64Mi" } }, logLevel: "error" },
        values: { istiod: { pilot: { keepaliveMaxServerConnectionAge: "20m" } } },
        // Nothing serves the webhooks on simulated nodes; see the file comment.
        webhooks: { validationFailurePolicy: "Ignore" },
        gateways: [
            {
                name: "istio-ingressgateway",
                kind: "ingress",
                nodeSelector: { "kubernetes.io/os": "linux" },
                tolerations: [TOLERATION],
                priorityClassName: "system-cluster-critical",
                loadBalancerSourceRanges: ["203.0.113.0/24"],
                externalTrafficPolicy: "Local",
                // Its pods wait for a serving injector, which simulated nodes do not have: the stack does not wait for them.
                values: { annotations: { "pulumi.com/skipAwait": "true" } },
            },
        ],
        cluster: { kubeconfig },
        ...overrides,
    };
}

interface PodSpec {
    readonly nodeSelector?: Record<string, string>;
    readonly tolerations?: Record<string, unknown>[];
    readonly topologySpreadConstraints?: Record<string, unknown>[];
    readonly priorityClassName?: string;
    readonly containers: { readonly name: string; readonly args?: string[]; readonly env?: { name: string; value?: string }[] }[];
}

function podTemplate(deployment: KubeObject): { metadata: { annotations?: Record<string, string>; labels?: Record<string, string> }; spec: PodSpec } {
    return (deployment.spec as { template: { metadata: { annotations?: Record<string, string>; labels?: Record<string, string> }; spec: PodSpec } }).template;
}

suite("a production-like mesh on a real API server", () => {
    jest.setTimeout(20 * 60 * 1000);
    const workspace = new E2eWorkspace("e2e-prod", clusterEnv());

    beforeAll(() => workspace.configure(productionConfig()));
    afterAll(() => workspace.discard());

    test("up applies it", async () => {
        const { result } = await workspace.up();
        expect(result.summary.result).toBe("succeeded");
    });

    test("istiod's Deployment carries the scheduling, pod, log, env and override settings", () => {
        const template = podTemplate(getJson(["deployment", `istiod-${revision}`, "-n", "istio-system"]));
        expect(template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
        expect(template.spec.tolerations).toEqual(expect.arrayContaining([TOLERATION]));
        expect(template.spec.topologySpreadConstraints).toEqual([SPREAD]);
        expect(template.spec.priorityClassName).toBe("system-cluster-critical");
        expect(template.metadata.annotations).toMatchObject({ "example.com/owner": "platform" });
        expect(template.metadata.labels).toMatchObject({ team: "platform" });
        const discovery = template.spec.containers.find((container) => container.name === "discovery")!;
        expect(discovery.args).toEqual(expect.arrayContaining(["--log_output_level=default:info,ads:debug", "20m"]));
        expect(discovery.args![discovery.args!.indexOf("20m") - 1]).toBe("--keepaliveMaxServerConnectionAge");
        expect(discovery.env).toEqual(expect.arrayContaining([{ name: "PILOT_ENABLE_STATUS", value: "true" }]));
    });

    test("the mesh config istiod reads carries the tracing provider, discoverySelectors and the proxies' defaults", () => {
        const configMap = getJson<{ data: { mesh: string } }>(["configmap", `istio-${revision}`, "-n", "istio-system"]);
        const mesh = parse(configMap.data.mesh) as Record<string, unknown>;
        expect(mesh).toMatchObject({
            trustDomain: "prod.example.com",
            extensionProviders: expect.arrayContaining([TRACING]),
            defaultProviders: { tracing: ["otel-tracing"] },
            discoverySelectors: DISCOVERY,
            enableAutoMtls: true,
            defaultConfig: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" }, concurrency: 2, holdApplicationUntilProxyStarts: true },
        });
    });

    test("the injector's values carry the proxies' resources and log level", () => {
        const injector = getJson<{ data: { values: string } }>(["configmap", `istio-sidecar-injector-${revision}`, "-n", "istio-system"]);
        const values = JSON.parse(injector.data.values) as { global: { proxy: Record<string, unknown> } };
        expect(values.global.proxy).toMatchObject({ resources: { requests: { cpu: "20m", memory: "64Mi" } }, logLevel: "error" });
    });

    test("the gateway's Deployment and Service carry their scheduling and load-balancer settings", () => {
        const template = podTemplate(getJson(["deployment", "istio-ingressgateway", "-n", "istio-ingress"]));
        expect(template.spec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
        expect(template.spec.tolerations).toEqual(expect.arrayContaining([TOLERATION]));
        expect(template.spec.priorityClassName).toBe("system-cluster-critical");
        const service = getJson<{ spec: { loadBalancerSourceRanges?: string[]; externalTrafficPolicy?: string; type: string } }>([
            "service",
            "istio-ingressgateway",
            "-n",
            "istio-ingress",
        ]);
        expect(service.spec).toMatchObject({ type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24"], externalTrafficPolicy: "Local" });
    });

    test("a second up changes nothing", async () => {
        const { steps } = await workspace.up();
        expect(changes(steps)).toEqual([]);
    });

    test("openshift in init mode: the rendered injector values keep istio-init, whatever the platform profile sets", async () => {
        workspace.configure(productionConfig({ istio: { version, platform: "openshift" } }));
        const rendered: Record<string, unknown>[] = [];
        await (await workspace.stack()).preview({
            onEvent: (event: automation.EngineEvent) => {
                const inputs = event.resourcePreEvent?.metadata.new?.inputs as Record<string, unknown> | undefined;
                if (inputs !== undefined) {
                    rendered.push(inputs);
                }
            },
        });
        const injector = rendered.find(
            (inputs) => inputs.kind === "ConfigMap" && (inputs.metadata as { name?: string } | undefined)?.name === `istio-sidecar-injector-${revision}`,
        );
        expect(injector).toBeDefined();
        const values = JSON.parse((injector!.data as { values: string }).values) as { pilot: { cni: { enabled: boolean } } };
        expect(values.pilot.cni.enabled).toBe(false);
        workspace.configure(productionConfig());
    });

    test("an invalid configuration prints its message alone: no stack, no issues array, no colour codes", async () => {
        workspace.configure(productionConfig({ istiod: { replicas: 0 } }));
        const error = await workspace.preview().then(
            () => undefined,
            (thrown: unknown) => thrown as Error,
        );
        workspace.configure(productionConfig());
        expect(error).toBeDefined();
        // The automation API's error holds the engine's stdout and stderr.
        const output = error!.message;
        expect(output).toMatch(/mesh\.istiod\.replicas: got 0; allowed: at least 1/);
        expect(output).not.toMatch(/issues:|\u001b\[|at validMeshConfig|MeshConfigError \{/);
    });

    test("the stack's own Namespace for the gateway is the one in the cluster", () => {
        expect(find("namespace", "istio-ingress")?.metadata.labels).toMatchObject({ "app.kubernetes.io/part-of": "istio" });
        expect(kubectl(["get", "namespace", "istio-ingress", "-o", "name"]).trim()).toBe("namespace/istio-ingress");
    });
});
