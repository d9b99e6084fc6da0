import { ztunnelValues } from "../components/ambient/ztunnelValues";
import { istiodValues } from "../components/controlplane/values";
import { LiveCrd } from "../components/gatewayapi/crdRules";
import { enrollmentReport, namespaceLabels } from "../components/enrollment/labels";
import { cniImage, cniValues } from "../components/interception/values";
import { Mesh } from "../components/mesh";
import { ciliumLeavesIstioCni, gatewayProgrammed, namespaceLabeled, notInjected, readyOnEveryNode } from "../components/verify/ambientChecks";
import { ambientVerifyInputs } from "../components/verify/ambientCluster";
import { argsWith, configProblems, configWith, settingsWith } from "./fixtures";
import { useMocks } from "./harness";

const mocks = useMocks();
beforeEach(() => mocks.reset());

const AMBIENT = { dataPlane: { mode: "ambient" } };
const noCrds = (): LiveCrd[] => [];

describe("ambient configuration", () => {
    test("ambient defaults interception to the CNI agent and manages the Gateway API CRDs at the line's version", () => {
        const settings = settingsWith(AMBIENT);
        expect(settings.dataPlane).toEqual({ mode: "ambient", ztunnel: { namespace: "istio-system", resources: { requests: { cpu: "200m", memory: "512Mi" } } } });
        expect(settings.interception.mode).toBe("cni");
        expect(settings.gatewayApi).toMatchObject({ crds: "managed", channel: "standard", version: { text: "v1.5.1" } });
    });

    test("sidecar stacks are unchanged: no Gateway API, istio-init", () => {
        const settings = settingsWith();
        expect([settings.dataPlane.mode, settings.interception.mode, settings.gatewayApi.crds]).toEqual(["sidecar", "init", "none"]);
    });

    test("init interception with ambient is an error that says why", () => {
        expect(configProblems(configWith({ ...AMBIENT, interception: { mode: "init" } }))).toEqual([
            'mesh.interception.mode: got "init"; ambient mode needs the Istio CNI agent: it is what hands each ambient pod\'s traffic to ztunnel, and istio-init (a sidecar\'s init container) never runs in ambient pods. Fix: set interception.mode to "cni", or remove it (ambient mode defaults to cni)',
        ]);
    });

    test("ambient namespaces need an ambient mesh; waypoints need ambient namespaces; profiles do not mix", () => {
        const problems = configProblems(
            configWith({ namespaces: [{ name: "shop", dataplane: "ambient" }, { name: "legacy", waypoint: {} }], istio: { version: "1.30.3", profile: "demo" } }),
        );
        expect(problems).toEqual([
            expect.stringMatching(/^mesh\.namespaces\[0\]\.dataplane: got "ambient"; namespace "shop" joins the ambient data plane, but the mesh runs in sidecar mode/),
            expect.stringMatching(/^mesh\.namespaces\[1\]\.waypoint: got \{\}; waypoints serve ambient namespaces; "legacy" uses sidecars/),
        ]);
        expect(configProblems(configWith({ ...AMBIENT, istio: { version: "1.30.3", profile: "demo" } }))).toEqual([
            expect.stringMatching(/^mesh\.istio\.profile: got "demo"; ambient mode installs istiod and the CNI agent with Istio's ambient profile/),
        ]);
    });

    test("gatewayApi: none with waypoints, manifest when not managed, chart keys on an istiod-deployed gateway", () => {
        const problems = configProblems(
            configWith({
                ...AMBIENT,
                gatewayApi: { crds: "none", manifest: "./standard-install.yaml" },
                namespaces: [{ name: "shop", waypoint: {} }],
                gateways: [{ name: "public", kind: "ingress", gatewayClass: "istio", replicas: 2 }, { name: "out", kind: "egress", gatewayClass: "istio" }],
            }),
        );
        expect(problems.map((problem) => problem.split(";")[0])).toEqual([
            'mesh.gatewayApi.crds: got "none"',
            'mesh.gatewayApi.manifest: got "./standard-install.yaml"',
            "mesh.gateways[0].replicas: got 2",
            'mesh.gateways[1].gatewayClass: got "istio"',
        ]);
    });

    test("a sidecar namespace in an ambient mesh, a waypoint for chosen services", () => {
        const settings = settingsWith({
            ...AMBIENT,
            namespaces: [{ name: "legacy", dataplane: "sidecar" }, { name: "shop", waypoint: { for: "all", services: ["reviews"] } }, { name: "cart", waypoint: {} }],
        });
        expect(settings.namespaces.map((namespace) => [namespace.name, namespaceLabels(namespace)])).toEqual([
            ["legacy", { "istio-injection": "enabled" }],
            ["shop", { "istio.io/dataplane-mode": "ambient" }],
            ["cart", { "istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint" }],
        ]);
        expect(enrollmentReport(settings.namespaces, settings.istio.tags).cart).toEqual({
            label: "istio.io/dataplane-mode=ambient",
            tag: "default",
            revision: "1-30-3",
            owned: true,
            dataplane: "ambient",
            waypoint: "waypoint",
        });
    });
});

describe("ambient chart values", () => {
    test("istiod runs the ambient profile, and trusts ztunnel outside its namespace", () => {
        const settings = settingsWith({ ...AMBIENT, dataPlane: { mode: "ambient", ztunnel: { namespace: "kube-system" } } });
        const values = istiodValues(settings, settings.istio.revisions[0]);
        expect(values.profile).toBe("ambient");
        expect(values.pilot.trustedZtunnelNamespace).toBe("kube-system");
        expect(values.pilot.cni).toEqual({ enabled: true });
        expect(istiodValues(settingsWith(AMBIENT), settingsWith(AMBIENT).istio.revisions[0]).pilot.trustedZtunnelNamespace).toBeUndefined();
    });

    test("the CNI agent runs the ambient profile only in ambient mode", () => {
        const settings = settingsWith(AMBIENT);
        if (settings.interception.mode !== "cni") throw new Error("expected cni");
        const image = cniImage(settings.images, settings.istio.version, settings.istio.platform);
        expect(cniValues(settings.interception.cni, image, undefined, true).profile).toBe("ambient");
        expect(cniValues(settings.interception.cni, image, undefined, false)).not.toHaveProperty("profile");
    });

    test("GKE: a ResourceQuota for the node agents outside kube-system, none inside it; nothing elsewhere", () => {
        const quota = (platform: string | undefined, namespace: string) => {
            const settings = settingsWith({ ...AMBIENT, istio: { version: "1.30.3", ...(platform ? { platform } : {}) }, interception: { cni: { namespace } } });
            if (settings.interception.mode !== "cni") throw new Error("expected cni");
            return cniValues(settings.interception.cni, cniImage(settings.images, settings.istio.version, settings.istio.platform), undefined, true).cni.resourceQuotas;
        };
        expect(quota("gke", "istio-system")).toEqual({ enabled: true });
        expect(quota("gke", "kube-system")).toEqual({ enabled: false });
        expect(quota(undefined, "istio-system")).toBeUndefined();
    });

    test("ztunnel's values: top-level hub and tag, the revision it talks to, GKE's quota", () => {
        expect(
            ztunnelValues({
                revision: "1-30-3",
                istioNamespace: "istio-system",
                hub: "docker.io/istio",
                tag: "1.30.3",
                imagePullSecrets: ["pull"],
                platform: "gke",
                resourceQuota: true,
                clusterName: "eu-1",
                resources: { requests: { cpu: "200m" } },
            }),
        ).toEqual({
            revision: "1-30-3",
            istioNamespace: "istio-system",
            hub: "docker.io/istio",
            tag: "1.30.3",
            imagePullSecrets: ["pull"],
            global: { platform: "gke" },
            resourceQuotas: { enabled: true },
            multiCluster: { clusterName: "eu-1" },
            resources: { requests: { cpu: "200m" } },
        });
    });
});

describe("ambient wiring", () => {
    test("Istio's order: base, Gateway API CRDs, istiod, CNI, ztunnel, then waypoints, gateways and namespaces", async () => {
        new Mesh(
            "mesh",
            {
                ...argsWith({
                    ...AMBIENT,
                    namespaces: [{ name: "shop", waypoint: {} }],
                    gateways: [{ name: "public", kind: "ingress", gatewayClass: "istio", hosts: [{ host: "shop.example.com" }] }],
                }),
                readLiveCrds: noCrds,
            },
            { transformations: [mocks.recordDependencies] },
        );
        await mocks.settled();
        expect(await mocks.dependenciesOf("mesh-gateway-api", "mesh:gatewayapi:Crds")).toEqual(["mesh-base"]);
        expect(await mocks.dependenciesOf("mesh-istiod-1-30-3")).toEqual(["mesh-base", "mesh-cacerts", "mesh-gateway-api"]);
        expect(await mocks.dependenciesOf("mesh-cni")).toEqual(["mesh-base", "mesh-gateway-api", "mesh-istiod-1-30-3"]);
        // The readiness gate follows istiod; ztunnel and everything after it wait for the gate.
        expect(await mocks.dependenciesOf("mesh-ready")).toEqual(["mesh-base", "mesh-gateway-api", "mesh-istiod-1-30-3"]);
        expect(await mocks.dependenciesOf("mesh-ztunnel", "mesh:istio:Ztunnel")).toEqual(["mesh-base", "mesh-cni", "mesh-gateway-api", "mesh-ready"]);
        const afterZtunnel = ["mesh-base", "mesh-cni", "mesh-gateway-api", "mesh-ready", "mesh-ztunnel"];
        expect(await mocks.dependenciesOf("mesh-enrollment")).toEqual(afterZtunnel);
        expect(await mocks.dependenciesOf("mesh-waypoint-shop", "mesh:ambient:Waypoint")).toEqual(afterZtunnel);
        expect(await mocks.dependenciesOf("mesh-gateway-public", "mesh:gatewayapi:Gateway")).toEqual(afterZtunnel);

        expect(mocks.ofType("kubernetes:yaml/v2:ConfigFile").map((resource) => resource.inputs)).toEqual([
            { file: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml" },
        ]);
        expect(mocks.ofType("kubernetes:helm.sh/v4:Chart").find((chart) => chart.name === "mesh-ztunnel")?.inputs).toMatchObject({
            // Istio's official source, as every chart of the stack (components/charts/chartReference.ts).
            chart: "oci://ghcr.io/istio/release/charts/ztunnel",
            version: "1.30.3",
            name: "ztunnel",
            namespace: "istio-system",
            values: { revision: "1-30-3", tag: "1.30.3", hub: "docker.io/istio" },
        });
        const gatewayObjects = mocks.ofType("kubernetes:gateway.networking.k8s.io/v1:Gateway").map((resource) => [resource.name, resource.inputs.spec]);
        expect(gatewayObjects.sort()).toEqual([
            ["mesh-gateway-public", expect.objectContaining({ gatewayClassName: "istio" })],
            ["mesh-waypoint-shop", { gatewayClassName: "istio-waypoint", listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }] }],
        ]);
        const namespacesOf = mocks.ofType("kubernetes:gateway.networking.k8s.io/v1:Gateway").map((resource) => (resource.inputs.metadata as { namespace: string }).namespace);
        expect(namespacesOf.sort()).toEqual(["istio-ingress", "shop"]);
        expect(mocks.named("mesh-enrollment-shop").inputs).toMatchObject({
            metadata: { name: "shop", labels: { "istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint" } },
        });
    });

    test("node agents follow the default tag's release during a canary; the CRDs follow the newest", async () => {
        new Mesh(
            "mesh",
            {
                ...argsWith({
                    ...AMBIENT,
                    istio: { version: undefined, revisions: [{ version: "1.29.6" }, { version: "1.30.3" }], tags: { default: "1-29-6", canary: "1-30-3" } },
                }),
                readLiveCrds: noCrds,
            },
        );
        await mocks.settled();
        const charts = Object.fromEntries(mocks.ofType("kubernetes:helm.sh/v4:Chart").map((chart) => [chart.name, chart.inputs]));
        expect(charts["mesh-cni"]).toMatchObject({ version: "1.29.6", values: { global: { tag: "1.29.6" }, profile: "ambient" } });
        expect(charts["mesh-ztunnel"]).toMatchObject({ version: "1.29.6", values: { revision: "1-29-6", tag: "1.29.6" } });
        expect(mocks.ofType("kubernetes:yaml/v2:ConfigFile")[0].inputs.file).toMatch(/\/v1\.5\.1\/standard-install\.yaml$/);
    });

    test("newer live CRDs stop the stack before any child is registered, naming both versions", () => {
        const readLiveCrds = () => [{ name: "gateways.gateway.networking.k8s.io", bundleVersion: "v1.6.0", channel: "standard" }];
        expect(() => new Mesh("mesh", { ...argsWith(AMBIENT), readLiveCrds })).toThrow(/^Gateway API CRDs \(1 problem\); nothing was changed:/);
        expect(() => new Mesh("other", { ...argsWith(AMBIENT), readLiveCrds })).toThrow(
            /newer than the v1\.5\.1 this stack would apply.*gateways\.gateway\.networking\.k8s\.io v1\.6\.0/,
        );
        expect(mocks.resources.filter((resource) => resource.type !== "mesh:istio:Mesh")).toEqual([]);
    });

    test("external CRDs: nothing is applied, the cluster's are checked", async () => {
        const reads: string[] = [];
        new Mesh("mesh", {
            ...argsWith({ ...AMBIENT, gatewayApi: { crds: "external" } }),
            readLiveCrds: () => {
                reads.push("read");
                return [{ name: "gateways.gateway.networking.k8s.io", bundleVersion: "v1.6.0" }];
            },
        }, { transformations: [mocks.recordDependencies] });
        await mocks.settled();
        expect(reads).toEqual(["read"]);
        expect(mocks.ofType("kubernetes:yaml/v2:ConfigFile")).toEqual([]);
        expect(await mocks.dependenciesOf("mesh-istiod-1-30-3")).toEqual(["mesh-base", "mesh-cacerts"]);
    });

    test("a sidecar stack never reads the cluster's CRDs", async () => {
        new Mesh("mesh", {
            ...argsWith(),
            readLiveCrds: () => {
                throw new Error("read");
            },
        });
        await mocks.settled();
        expect(mocks.ofType("kubernetes:yaml/v2:ConfigFile")).toEqual([]);
    });
});

describe("ambient verify checks", () => {
    test("node agents on every node", () => {
        expect(readyOnEveryNode("ztunnel", "istio-system", { desiredNumberScheduled: 3, numberReady: 3 }, 3).status).toBe("ok");
        expect(readyOnEveryNode("ztunnel", "istio-system", { desiredNumberScheduled: 2, numberReady: 2 }, 3)).toMatchObject({
            status: "fail",
            detail: "scheduled on 2 of 3 nodes: a taint or node selector keeps it off the others",
        });
        expect(readyOnEveryNode("ztunnel", "istio-system", { desiredNumberScheduled: 3, numberReady: 1 }, 3).detail).toBe("1/3 pods ready");
        expect(readyOnEveryNode("ztunnel", "kube-system", undefined, 3).status).toBe("fail");
    });

    test("an ambient namespace labeled for injection too fails", () => {
        const result = namespaceLabeled("shop", { "istio.io/dataplane-mode": "ambient" }, ["istio-injection"], {
            "istio.io/dataplane-mode": "ambient",
            "istio-injection": "enabled",
        });
        expect(result).toMatchObject({ status: "fail", detail: "istio-injection=enabled is also set (both data planes would claim its pods)" });
    });

    test("a dry-run pod with a sidecar fails the ambient check", () => {
        expect(notInjected("shop", { containers: ["app"], initContainers: [], sidecars: [] }).status).toBe("ok");
        expect(notInjected("shop", { containers: ["app"], initContainers: ["istio-init", "istio-proxy"], sidecars: ["istio-proxy"] })).toMatchObject({
            status: "fail",
            detail: "injected with istio-init, istio-proxy: an injection label or a webhook still selects it",
        });
    });

    test("Gateways: Accepted and Programmed, or the reason", () => {
        expect(gatewayProgrammed("Gateway", "istio-ingress", "public", [{ type: "Accepted", status: "True" }, { type: "Programmed", status: "True" }]).status).toBe("ok");
        expect(
            gatewayProgrammed("Gateway", "istio-ingress", "public", [
                { type: "Accepted", status: "True" },
                { type: "Programmed", status: "False", reason: "AddressNotAssigned", message: "no address" },
            ]).detail,
        ).toBe("Programmed: AddressNotAssigned (no address)");
        expect(gatewayProgrammed("waypoint", "shop", "waypoint", []).detail).toContain("Accepted: not reported");
    });

    test("Cilium must leave other CNI plugins in place", () => {
        expect(ciliumLeavesIstioCni(undefined)).toBeUndefined();
        expect(ciliumLeavesIstioCni({ "cni-exclusive": "false" })?.status).toBe("ok");
        expect(ciliumLeavesIstioCni({})?.detail).toContain("--set cni.exclusive=false");
    });

    test("verify looks for what the stack declares", () => {
        const inputs = ambientVerifyInputs(
            settingsWith({ ...AMBIENT, namespaces: [{ name: "shop", waypoint: {} }, { name: "legacy", dataplane: "sidecar" }], gateways: [{ name: "public", kind: "ingress", gatewayClass: "istio" }] }),
        );
        expect(inputs).toMatchObject({
            ztunnelNamespace: "istio-system",
            cniNamespace: "istio-system",
            namespaces: [{ name: "shop", labels: { "istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint" }, forbidden: ["istio-injection", "istio.io/rev"], ambient: true }],
            waypoints: [{ name: "waypoint", namespace: "shop" }],
            gateways: [{ name: "public", namespace: "istio-ingress" }],
        });
        expect(inputs.gatewayApiIstiodVersions?.map((version) => version.text)).toEqual(["1.30.3"]);
    });
});
