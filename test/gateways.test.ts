/**
 * Ingress and egress gateways, and egress lock-down.
 */
import { parseMeshConfig } from "../components/config/load";
import { egressObjects, hostSlug } from "../components/gateways/egressRules";
import { gatewayValues } from "../components/gateways/values";
import { Mesh } from "../components/mesh";
import { argsWith, configProblems, configWith, settingsWith } from "./fixtures";
import { unwrap, useMocks } from "./harness";

const mocks = useMocks();
beforeEach(() => mocks.reset());

const lockedDown = {
    meshConfig: { outboundTrafficPolicy: "REGISTRY_ONLY" },
    gateways: [
        { name: "istio-ingressgateway", kind: "ingress", hosts: [{ host: "shop.example.com", tlsCredential: "shop-tls" }, { host: "status.example.com" }] },
        { name: "istio-egressgateway", kind: "egress", replicas: 2 },
    ],
    egress: { allowedHosts: [{ host: "api.stripe.com" }, { host: "repo.example.org", port: 80, protocol: "HTTP" }] },
};

describe("chart values per gateway", () => {
    test("ingress defaults: a load balancer on Istio's ports, one pod, no budget, following the default tag", () => {
        const settings = settingsWith({ gateways: [{ name: "istio-ingressgateway", kind: "ingress" }] });
        expect(gatewayValues(settings.gateways[0], settings.images.pullSecrets)).toEqual({
            name: "istio-ingressgateway",
            revision: "",
            service: {
                type: "LoadBalancer",
                ports: [
                    { name: "status-port", port: 15021, targetPort: 15021, protocol: "TCP" },
                    { name: "http2", port: 80, targetPort: 80, protocol: "TCP" },
                    { name: "https", port: 443, targetPort: 443, protocol: "TCP" },
                ],
                annotations: {},
            },
            labels: {},
            replicaCount: 1,
            autoscaling: { enabled: false },
            podDisruptionBudget: {},
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
            imagePullSecrets: [],
        });
    });

    test("egress defaults to ClusterIP; autoscaling, budget, annotations, labels and a tag are passed through", () => {
        const settings = settingsWith({
            istio: { version: "1.30.3" },
            images: { pullSecrets: ["registry-credentials"] },
            gateways: [
                {
                    name: "istio-egressgateway",
                    kind: "egress",
                    tag: "default",
                    autoscale: { min: 2, max: 6 },
                    serviceAnnotations: { "networking.gke.io/load-balancer-type": "Internal" },
                    serviceLabels: { team: "platform" },
                    ports: [{ name: "tls", port: 443 }],
                },
            ],
        });
        expect(gatewayValues(settings.gateways[0], settings.images.pullSecrets)).toEqual({
            name: "istio-egressgateway",
            revision: "",
            service: {
                type: "ClusterIP",
                ports: [{ name: "tls", port: 443, targetPort: 443, protocol: "TCP" }],
                annotations: { "networking.gke.io/load-balancer-type": "Internal" },
            },
            labels: { team: "platform" },
            autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 80 },
            podDisruptionBudget: { minAvailable: 1 },
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "2", memory: "1Gi" } },
            imagePullSecrets: [{ name: "registry-credentials" }],
        });
    });

    test("a gateway on a canary tag names it, so it moves with the tag", () => {
        const settings = parseMeshConfig({
            istio: { revisions: [{ version: "1.29.6" }, { version: "1.30.3" }], tags: { default: "1-29-6", canary: "1-30-3" } },
            gateways: [{ name: "istio-ingressgateway", kind: "ingress", tag: "canary" }],
        });
        expect(gatewayValues(settings.gateways[0], settings.images.pullSecrets).revision).toBe("canary");
    });
});

describe("the gateways in the mesh", () => {
    test("each gateway has its namespace and chart, after the control plane; ingress hosts after the CRDs", async () => {
        const mesh = new Mesh("mesh", argsWith(lockedDown), { transformations: [mocks.recordDependencies] });
        await mocks.settled();
        const charts = mocks.ofType("kubernetes:helm.sh/v4:Chart").filter((chart) => chart.name.startsWith("mesh-gateway-"));
        expect(charts.map((chart) => [chart.name, chart.inputs.chart, chart.inputs.name, chart.inputs.namespace]).sort()).toEqual([
            ["mesh-gateway-istio-egressgateway", "oci://ghcr.io/istio/release/charts/gateway", "istio-egressgateway", "istio-egress"],
            ["mesh-gateway-istio-ingressgateway", "oci://ghcr.io/istio/release/charts/gateway", "istio-ingressgateway", "istio-ingress"],
        ]);
        expect(await mocks.dependenciesOf("mesh-gateway-istio-ingressgateway", "mesh:istio:Gateway")).toEqual(["mesh-base", "mesh-ready"]);
        expect(await mocks.dependenciesOf("mesh-gateway-istio-ingressgateway-hosts")).toEqual(["mesh-base", "mesh-gateway-istio-ingressgateway"]);
        expect(mocks.named("mesh-gateway-istio-ingressgateway-hosts").inputs).toEqual({
            apiVersion: "networking.istio.io/v1",
            kind: "Gateway",
            metadata: { name: "istio-ingressgateway", namespace: "istio-ingress" },
            spec: {
                selector: { istio: "ingressgateway" },
                servers: [
                    { port: { number: 443, name: "https-shop-example-com", protocol: "HTTPS" }, hosts: ["shop.example.com"], tls: { mode: "SIMPLE", credentialName: "shop-tls" } },
                    { port: { number: 80, name: "http-status-example-com", protocol: "HTTP" }, hosts: ["status.example.com"] },
                ],
            },
        });
        expect(await unwrap(mesh.gateways["istio-egressgateway"].serviceName)).toBe("istio-egress/istio-egressgateway");
        expect(await unwrap(mesh.gateways["istio-egressgateway"].externalAddress)).toBe("");
    });

    test("egress lock-down: four Istio objects per allowed host, after the CRDs, istiod and the egress gateway", async () => {
        new Mesh("mesh", argsWith(lockedDown), { transformations: [mocks.recordDependencies] });
        await mocks.settled();
        const objects = mocks.resources.filter((resource) => resource.name.startsWith("mesh-egress-"));
        expect(objects.map((object) => object.name).sort()).toEqual([
            "mesh-egress-destinationrule-api-stripe-com-443",
            "mesh-egress-destinationrule-repo-example-org-80",
            "mesh-egress-gateway-api-stripe-com-443",
            "mesh-egress-gateway-repo-example-org-80",
            "mesh-egress-serviceentry-api-stripe-com-443",
            "mesh-egress-serviceentry-repo-example-org-80",
            "mesh-egress-virtualservice-api-stripe-com-443",
            "mesh-egress-virtualservice-repo-example-org-80",
        ]);
        expect(await mocks.dependenciesOf("mesh-egress")).toEqual(["mesh-base", "mesh-gateway-istio-egressgateway", "mesh-ready"]);
    });
});

describe("egress objects for an allowed host", () => {
    const gateway = { name: "istio-egressgateway", namespace: "istio-egress" };

    test("HTTPS is passed through the egress gateway by SNI, never terminated", () => {
        expect(egressObjects(gateway, { host: "api.stripe.com", port: 443, protocol: "HTTPS" })).toEqual([
            {
                apiVersion: "networking.istio.io/v1",
                kind: "ServiceEntry",
                name: "api-stripe-com-443",
                namespace: "istio-egress",
                spec: {
                    hosts: ["api.stripe.com"],
                    ports: [{ number: 443, name: "tls-443", protocol: "TLS" }],
                    resolution: "DNS",
                    location: "MESH_EXTERNAL",
                    exportTo: ["*"],
                },
            },
            {
                apiVersion: "networking.istio.io/v1",
                kind: "Gateway",
                name: "api-stripe-com-443",
                namespace: "istio-egress",
                spec: {
                    selector: { istio: "egressgateway" },
                    servers: [{ port: { number: 443, name: "tls-api-stripe-com-443", protocol: "TLS" }, hosts: ["api.stripe.com"], tls: { mode: "PASSTHROUGH" } }],
                },
            },
            {
                apiVersion: "networking.istio.io/v1",
                kind: "DestinationRule",
                name: "api-stripe-com-443",
                namespace: "istio-egress",
                spec: { host: "istio-egressgateway.istio-egress.svc.cluster.local", subsets: [{ name: "api-stripe-com-443" }], exportTo: ["*"] },
            },
            {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                name: "api-stripe-com-443",
                namespace: "istio-egress",
                spec: {
                    hosts: ["api.stripe.com"],
                    gateways: ["mesh", "istio-egress/api-stripe-com-443"],
                    exportTo: ["*"],
                    tls: [
                        {
                            match: [{ gateways: ["mesh"], port: 443, sniHosts: ["api.stripe.com"] }],
                            route: [{ destination: { host: "istio-egressgateway.istio-egress.svc.cluster.local", subset: "api-stripe-com-443", port: { number: 443 } } }],
                        },
                        {
                            match: [{ gateways: ["istio-egress/api-stripe-com-443"], port: 443, sniHosts: ["api.stripe.com"] }],
                            route: [{ destination: { host: "api.stripe.com", port: { number: 443 } }, weight: 100 }],
                        },
                    ],
                },
            },
        ]);
    });

    test("plain HTTP goes through the gateway's port 80 with http routes", () => {
        const [serviceEntry, istioGateway, , virtualService] = egressObjects(gateway, { host: "repo.example.org", port: 80, protocol: "HTTP" });
        expect(serviceEntry.spec.ports).toEqual([{ number: 80, name: "http-80", protocol: "HTTP" }]);
        expect(istioGateway.spec.servers).toEqual([{ port: { number: 80, name: "http-repo-example-org-80", protocol: "HTTP" }, hosts: ["repo.example.org"] }]);
        expect(virtualService.spec.http).toEqual([
            {
                match: [{ gateways: ["mesh"], port: 80 }],
                route: [{ destination: { host: "istio-egressgateway.istio-egress.svc.cluster.local", subset: "repo-example-org-80", port: { number: 80 } } }],
            },
            { match: [{ gateways: ["istio-egress/repo-example-org-80"], port: 80 }], route: [{ destination: { host: "repo.example.org", port: { number: 80 } }, weight: 100 }] },
        ]);
    });

    test("host slugs are object names", () => {
        expect([hostSlug("api.stripe.com"), hostSlug("*.googleapis.com")]).toEqual(["api-stripe-com", "wildcard-googleapis-com"]);
    });
});


describe("gateway configuration errors", () => {
    test("allowed hosts without an egress gateway", () => {
        expect(configProblems(configWith({ meshConfig: { outboundTrafficPolicy: "REGISTRY_ONLY" }, egress: { allowedHosts: [{ host: "api.stripe.com" }] } }))).toEqual([
            'mesh.egress.allowedHosts: got ["api.stripe.com"]; allowed hosts leave through an egress gateway, and none is declared. Fix: add a gateway with kind: egress to mesh.gateways',
        ]);
    });

    test("allowed hosts while everything may leave anyway", () => {
        expect(configProblems(configWith({ gateways: [{ name: "eg", kind: "egress" }], egress: { allowedHosts: [{ host: "api.stripe.com" }] } }))).toEqual([
            'mesh.meshConfig.outboundTrafficPolicy: got "ALLOW_ANY"; egress.allowedHosts locks egress down only when nothing else may leave. Fix: set meshConfig.outboundTrafficPolicy to REGISTRY_ONLY',
        ]);
    });

    test.each([
        [{ gateways: [{ name: "gw", kind: "ingress", replicas: 2, autoscale: { min: 2, max: 4 } }] }, "mesh.gateways[0].replicas: got 2; replicas and autoscale are mutually exclusive (the autoscaler owns the count). Fix: remove replicas"],
        [{ gateways: [{ name: "gw", kind: "ingress", disruptionBudget: { minAvailable: 1 } }] }, "mesh.gateways[0].disruptionBudget.minAvailable: got 1; a budget keeping 1 of 1 pod(s) blocks every node drain. Fix: run more pods or lower minAvailable"],
        [{ gateways: [{ name: "gw", kind: "egress", hosts: [{ host: "a.example.com" }] }] }, 'mesh.gateways[0].hosts: got [{"host":"a.example.com"}]; hosts are served by ingress gateways. Fix: list external hosts in egress.allowedHosts instead'],
        [{ gateways: [{ name: "gw", kind: "ingress" }, { name: "gw", kind: "egress" }] }, 'mesh.gateways: got "gw"; gateway "gw" is listed twice. Fix: give each gateway its own name'],
        [{ gateways: [{ name: "gw", kind: "ingress", ports: [{ name: "https", port: 70000 }] }] }, "mesh.gateways[0].ports[0].port: got 70000; allowed: a port number 1-65535. Fix: e.g. 443"],
        [{ egress: { gateway: "missing" } }, 'mesh.egress.gateway: got "missing"; allowed: an egress gateway of mesh.gateways (none declared). Fix: declare it with kind: egress'],
        [{ gateways: [{ name: "gw", kind: "sideways" }] }, 'mesh.gateways[0].kind: got "sideways"; allowed: one of "ingress", "egress". Fix: pulumi config set --path \'mesh.gateways[0].kind\' ingress'],
    ])("%j", (patch, message) => {
        expect(configProblems(configWith(patch))).toEqual([message]);
    });
});
