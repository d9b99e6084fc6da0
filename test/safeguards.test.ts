/**
 * Configurations that were accepted and then failed on the cluster, or broke it: each is now refused with a fix, or
 * installed correctly.
 */
import { istiodValues } from "../components/controlplane/values";
import { cniImage, cniValues } from "../components/interception/values";
import { Mesh } from "../components/mesh";
import { argsWith, configProblems, configWith, settingsWith } from "./fixtures";
import { useMocks } from "./harness";

const mocks = useMocks();
beforeEach(() => mocks.reset());

type Values = Record<string, unknown>;

function isMapping(value: unknown): value is Values {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Sprig's mustMergeOverwrite: mappings merge key by key, the later value wins. */
function mergeOverwrite(target: Values, ...sources: Values[]): Values {
    for (const source of sources) {
        for (const [key, value] of Object.entries(source)) {
            target[key] = isMapping(target[key]) && isMapping(value) ? mergeOverwrite({ ...(target[key] as Values) }, value) : value;
        }
    }
    return target;
}

/**
 * What Istio's charts render with, as their templates compute it: zzz_profile.yaml merges the profile over the
 * chart's defaults and the user's values over both; zzy_descope_legacy.yaml then copies `scope` (`pilot` in the istiod
 * chart, `cni` in the cni chart) over the top level.
 */
function renderedValues(userValues: object, profile: Values, scope: string): Values {
    const merged = mergeOverwrite({}, profile, JSON.parse(JSON.stringify(userValues)) as Values);
    return mergeOverwrite(merged, (merged[scope] as Values | undefined) ?? {});
}

// What Istio's platform and chart profiles set under the chart's scope (their files in the charts' files/ folder).
const OPENSHIFT_ISTIOD = { pilot: { cni: { enabled: true, provider: "multus" } } };
const DEMO_ISTIOD = { pilot: { autoscaleEnabled: false, resources: { requests: { cpu: "10m", memory: "100Mi" } } } };
const K3S_CNI = { cni: { cniConfDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d", cniBinDir: "/var/lib/rancher/k3s/data/cni" } };

describe("a platform or chart profile cannot override the typed settings in the rendered values", () => {
    test("openshift in init mode: istiod's injector keeps istio-init (cni.enabled is what the injection template reads)", () => {
        const settings = settingsWith({ istio: { version: "1.30.3", platform: "openshift" } });
        const rendered = renderedValues(istiodValues(settings, settings.istio.revisions[0]), OPENSHIFT_ISTIOD, "pilot");
        expect(settings.interception.mode).toBe("init");
        // The injector ConfigMap's values carry pilot.cni from the rendered top-level cni.
        expect((rendered.cni as Values).enabled).toBe(false);
        expect(((rendered.pilot as Values).cni as Values).enabled).toBe(false);
    });

    test("the demo profile keeps istiod's configured resources and autoscaler", () => {
        const settings = settingsWith({
            istio: { version: "1.30.3", profile: "demo" },
            istiod: { autoscale: { enabled: true, min: 2 }, resources: { requests: { cpu: "1", memory: "2Gi" } } },
        });
        const rendered = renderedValues(istiodValues(settings, settings.istio.revisions[0]), DEMO_ISTIOD, "pilot");
        expect([rendered.autoscaleEnabled, rendered.autoscaleMin, rendered.resources]).toEqual([true, 2, { requests: { cpu: "1", memory: "2Gi" } }]);
    });

    test("k3s in CNI mode: the configured CNI folders win over the platform's", () => {
        const settings = settingsWith({
            istio: { version: "1.30.3", platform: "k3s" },
            interception: { mode: "cni", cni: { binDir: "/opt/custom/bin", confDir: "/etc/custom/net.d" } },
        });
        if (settings.interception.mode !== "cni") {
            throw new Error("expected CNI mode");
        }
        const values = cniValues(settings.interception.cni, cniImage(settings.images, settings.istio.baseVersion, settings.istio.platform));
        const rendered = renderedValues(values, K3S_CNI, "cni");
        expect([rendered.cniBinDir, rendered.cniConfDir]).toEqual(["/opt/custom/bin", "/etc/custom/net.d"]);
    });
});

describe("gateway namespaces", () => {
    const twoInOne = {
        gateways: [
            { name: "istio-ingressgateway", kind: "ingress" },
            { name: "internal-gateway", kind: "ingress", serviceType: "ClusterIP" },
        ],
    };

    test("two gateways in one namespace share one Namespace resource", async () => {
        new Mesh("mesh", argsWith(twoInOne));
        await mocks.settled();
        const namespaces = mocks.ofType("kubernetes:core/v1:Namespace").filter((resource) => resource.name.includes("gateway"));
        expect(namespaces.map((resource) => [resource.name, (resource.inputs.metadata as { name: string }).name])).toEqual([
            ["mesh-gateway-namespace-istio-ingress", "istio-ingress"],
        ]);
        const charts = mocks.ofType("kubernetes:helm.sh/v4:Chart").filter((chart) => chart.name.startsWith("mesh-gateway-"));
        expect(charts.map((chart) => chart.inputs.namespace)).toEqual(["istio-ingress", "istio-ingress"]);
    });

    test("removing one of them keeps the Namespace the other uses (its identity does not depend on the gateway)", async () => {
        new Mesh("mesh", argsWith({ gateways: [twoInOne.gateways[1]] }));
        await mocks.settled();
        expect(mocks.ofType("kubernetes:core/v1:Namespace").map((resource) => resource.name)).toContain("mesh-gateway-namespace-istio-ingress");
    });

    test("a gateway in an enrolled namespace uses the enrollment's Namespace", async () => {
        new Mesh("mesh", argsWith({ namespaces: [{ name: "shop" }], gateways: [{ name: "shop-gateway", kind: "ingress", namespace: "shop" }] }));
        await mocks.settled();
        expect(mocks.ofType("kubernetes:core/v1:Namespace").map((resource) => (resource.inputs.metadata as { name: string }).name).sort()).toEqual([
            "istio-system",
            "shop",
        ]);
    });

    test("a gateway in the Istio namespace, which is never injected, is refused with a fix", () => {
        expect(configProblems(configWith({ gateways: [{ name: "istio-ingressgateway", kind: "ingress", namespace: "istio-system" }] }))).toEqual([
            'mesh.gateways[0].namespace: got "istio-system"; "istio-system" is never injected (the Istio namespace), so the ' +
                "gateway's pods would run without their proxy. Fix: use a namespace of its own, e.g. istio-ingress",
        ]);
    });
});

describe("accepted before, refused by istiod or the API server later", () => {
    test("a wildcard egress host is refused: its DNS ServiceEntry is not valid", () => {
        expect(
            configProblems(
                configWith({
                    meshConfig: { outboundTrafficPolicy: "REGISTRY_ONLY" },
                    gateways: [{ name: "istio-egressgateway", kind: "egress" }],
                    egress: { allowedHosts: [{ host: "*.example.com" }] },
                }),
            ),
        ).toEqual([
            'mesh.egress.allowedHosts[0].host: got "*.example.com"; a wildcard host cannot be routed through the egress gateway: ' +
                "its ServiceEntry would need DNS resolution of a wildcard, which istiod refuses, and the gateway would not know " +
                "where to send it. Fix: list each host (e.g. api.example.com)",
        ]);
    });

    test("duplicate Service port numbers and names on a gateway", () => {
        const ports = [
            { name: "https", port: 443 },
            { name: "https", port: 8443 },
            { name: "tls", port: 443 },
        ];
        expect(configProblems(configWith({ gateways: [{ name: "istio-ingressgateway", kind: "ingress", ports }] }))).toEqual([
            "mesh.gateways[0].ports: got \"443\"; port number 443 is listed twice; the API server refuses a Service with it. Fix: give each port its own number and name",
            'mesh.gateways[0].ports: got "https"; port name https is listed twice; the API server refuses a Service with it. Fix: give each port its own number and name',
        ]);
    });

    test("names whose derived object names pass 63 characters, and names that are not Service names", () => {
        const longRevision = "a".repeat(57);
        const problems = configProblems(
            configWith({
                istio: { version: "1.30.3", revision: longRevision, tags: { [`t${"x".repeat(43)}`]: longRevision, default: longRevision } },
                gateways: [{ name: "1-gateway", kind: "ingress", ports: [{ name: "https-admin-console", port: 443 }] }],
            }),
        );
        expect(problems.sort()).toEqual([
            `mesh.istio.revision: got "${longRevision}"; allowed: at most 56 characters (istiod-${longRevision} names istiod's Service, at most 63). Fix: set a shorter name, e.g. ${"a".repeat(20)}`,
            `mesh.istio.tags.t${"x".repeat(43)}: got "t${"x".repeat(43)}"; allowed: a tag of at most 43 characters (istiod-revision-tag-t${"x".repeat(43)} names its Service, at most 63). Fix: rename the tag`,
            'mesh.gateways[0].name: got "1-gateway"; allowed: a Service name, which starts with a letter. Fix: e.g. istio-ingressgateway',
            'mesh.gateways[0].ports[0].name: got "https-admin-console"; allowed: a Service port name of at most 15 characters. Fix: shorten it, e.g. https',
        ].sort());
    });
});

describe("every problem at once", () => {
    test("a bad istio section does not silence the checks of the namespaces that follow its tags", () => {
        expect(configProblems({ istio: { version: "1.30.3", profile: "tiny" }, namespaces: [{ name: "shop", tag: "canary" }] })).toEqual([
            'mesh.istio.profile: got "tiny"; allowed: one of "default", "demo", "preview", "remote", "stable". Fix: pulumi config set --path \'mesh.istio.profile\' default',
            'mesh.namespaces[0].tag: got "canary"; allowed: a tag of istio.tags (default). Fix: add the tag or use one of those',
        ]);
    });

    test("an unrelated mistake in meshConfig does not produce 'set REGISTRY_ONLY' when it is set", () => {
        const problems = configProblems(
            configWith({
                meshConfig: { outboundTrafficPolicy: "REGISTRY_ONLY", accessLogFile: "stdout" },
                gateways: [{ name: "istio-egressgateway", kind: "egress" }],
                egress: { allowedHosts: [{ host: "api.stripe.com" }] },
            }),
        );
        expect(problems).toEqual([
            'mesh.meshConfig.accessLogFile: got "stdout"; allowed: "" (access logs off) or an absolute path such as /dev/stdout. Fix: e.g. /dev/stdout',
        ]);
    });

    test("a misspelled policy is reported as itself, not as a missing REGISTRY_ONLY", () => {
        const problems = configProblems(
            configWith({
                meshConfig: { outboundTrafficPolicy: "REGISTRY-ONLY" },
                gateways: [{ name: "istio-egressgateway", kind: "egress" }],
                egress: { allowedHosts: [{ host: "api.stripe.com" }] },
            }),
        );
        expect(problems).toEqual([
            'mesh.meshConfig.outboundTrafficPolicy: got "REGISTRY-ONLY"; allowed: one of "ALLOW_ANY", "REGISTRY_ONLY". Fix: pulumi config set --path \'mesh.meshConfig.outboundTrafficPolicy\' ALLOW_ANY',
        ]);
    });

    test("several unrelated mistakes in one file are all reported, and nothing else", () => {
        const problems = configProblems({
            istio: { version: "1.30.3", profile: "tiny" },
            istiod: { replicas: 0 },
            meshConfig: { accessLogFile: "stdout", enableTracng: true },
            namespaces: [{ name: "shop", tag: "canary" }],
            gateways: [{ name: "istio-ingressgateway", kind: "ingress", ports: [{ name: "http", port: 80 }, { name: "http", port: 8080 }] }],
            pki: { keyAlgorithm: "ECDSA", rsaBits: 2048 },
            values: { istiod: { pilot: { cni: { enabled: true } } } },
        });
        expect(problems.map((problem) => problem.split(":")[0]).sort()).toEqual(
            [
                "mesh.istio.profile",
                "mesh.istiod.replicas",
                "mesh.meshConfig.accessLogFile",
                "mesh.meshConfig.enableTracng",
                "mesh.namespaces[0].tag",
                "mesh.gateways[0].ports",
                "mesh.pki.rsaBits",
                "mesh.values.istiod.pilot.cni",
            ].sort(),
        );
    });
});
