/**
 * Traffic interception: the init container or the Istio CNI agent, its presets, ordering and validation.
 */
import { CNI_PRESETS } from "../components/config/interception";
import { parseMeshConfig } from "../components/config/load";
import { ISTIO_PLATFORMS } from "../components/config/controlPlane";
import { istiodValues } from "../components/controlplane/values";
import { cniImage, cniValues } from "../components/interception/values";
import { Mesh } from "../components/mesh";
import { argsWith, configProblems, configWith, settingsWith } from "./fixtures";
import { useMocks } from "./harness";

const mocks = useMocks();
beforeEach(() => mocks.reset());

function cniOf(patch: Record<string, unknown>) {
    const settings = settingsWith({ interception: { mode: "cni" }, ...patch });
    if (settings.interception.mode !== "cni") {
        throw new Error("expected CNI mode");
    }
    return { settings, cni: settings.interception.cni };
}

describe("init mode (the default)", () => {
    test("istiod injects istio-init; no CNI chart", async () => {
        const settings = settingsWith();
        expect(istiodValues(settings, settings.istio.revisions[0]).pilot.cni).toEqual({ enabled: false });
        new Mesh("mesh", argsWith());
        await mocks.settled();
        expect(mocks.resources.filter((resource) => resource.name.includes("cni"))).toEqual([]);
    });
});

describe("CNI mode", () => {
    test("istiod injects for the CNI and the cni chart is installed, from the same setting", async () => {
        const { settings } = cniOf({});
        expect(istiodValues(settings, settings.istio.revisions[0]).pilot.cni).toEqual({ enabled: true });
        new Mesh("mesh", argsWith({ interception: { mode: "cni" } }), { transformations: [mocks.recordDependencies] });
        await mocks.settled();
        const chart = mocks.ofType("kubernetes:helm.sh/v4:Chart").find((resource) => resource.name === "mesh-cni")!;
        expect(chart.inputs).toMatchObject({ chart: "oci://ghcr.io/istio/release/charts/cni", version: "1.30.3", name: "istio-cni", namespace: "istio-system" });
        expect(chart.inputs.values).toEqual({
            global: { hub: "docker.io/istio", tag: "1.30.3", imagePullSecrets: [] },
            cni: {
                chained: true,
                excludeNamespaces: ["kube-system"],
                repair: { enabled: true, repairPods: true, deletePods: false, labelPods: false },
                resources: { requests: { cpu: "100m", memory: "100Mi" } },
            },
        });
    });

    test("order: the CNI agent after istiod; gateways and enrolled namespaces after the CNI agent", async () => {
        new Mesh("mesh", argsWith({ interception: { mode: "cni" }, namespaces: [{ name: "shop" }], gateways: [{ name: "istio-ingressgateway", kind: "ingress" }] }), {
            transformations: [mocks.recordDependencies],
        });
        await mocks.settled();
        expect(await mocks.dependenciesOf("mesh-cni")).toEqual(["mesh-base", "mesh-istiod-1-30-3"]);
        expect(await mocks.dependenciesOf("mesh-enrollment")).toEqual(["mesh-base", "mesh-cni", "mesh-ready"]);
        expect(await mocks.dependenciesOf("mesh-gateway-istio-ingressgateway", "mesh:istio:Gateway")).toEqual(["mesh-base", "mesh-cni", "mesh-ready"]);
    });

    test("the repair controller, untaint controller, exclusions and resources are configurable", () => {
        const { settings, cni } = cniOf({
            interception: {
                mode: "cni",
                cni: { repair: "delete", untaint: true, excludeNamespaces: ["kube-system", "batch"], resources: { requests: { cpu: "50m" } } },
            },
        });
        expect(cniValues(cni, cniImage(settings.images, settings.istio.baseVersion, settings.istio.platform)).cni).toMatchObject({
            repair: { enabled: true, repairPods: false, deletePods: true, labelPods: false },
            excludeNamespaces: ["kube-system", "batch"],
            resources: { requests: { cpu: "50m" } },
        });
        expect(istiodValues(settings, settings.istio.revisions[0]).pilot.taint).toEqual({ enabled: true, namespace: "istio-system" });
        const off = cniOf({ interception: { mode: "cni", cni: { repair: "off" } } });
        expect(cniValues(off.cni, cniImage(off.settings.images, off.settings.istio.baseVersion, off.settings.istio.platform)).cni.repair).toEqual({
            enabled: false,
            repairPods: false,
            deletePods: false,
            labelPods: false,
        });
    });

    test.each(ISTIO_PLATFORMS.map((platform) => [platform]))("the %s preset", (platform) => {
        const { settings, cni } = cniOf({ istio: { version: "1.30.3", platform } });
        const preset = CNI_PRESETS[platform];
        const values = cniValues(cni, cniImage(settings.images, settings.istio.baseVersion, settings.istio.platform));
        expect(cni.namespace).toBe(preset.namespace ?? "istio-system");
        expect([values.cni.cniBinDir, values.cni.cniConfDir, values.cni.chained, values.cni.provider]).toEqual([
            preset.binDir,
            preset.confDir,
            preset.chained,
            preset.provider,
        ]);
        // Istio's own platform profile is applied too, except for presets Istio has none for.
        expect(values.global.platform).toBe(platform === "eks" || platform === "aks" ? undefined : platform);
    });

    test("the documented layouts", () => {
        expect(CNI_PRESETS.k3s).toEqual({ confDir: "/var/lib/rancher/k3s/agent/etc/cni/net.d", binDir: "/var/lib/rancher/k3s/data/cni", chained: true });
        expect(CNI_PRESETS.openshift).toEqual({
            namespace: "kube-system",
            binDir: "/var/lib/cni/bin",
            confDir: "/etc/cni/multus/net.d",
            chained: false,
            provider: "multus",
        });
        const { settings } = cniOf({ istio: { version: "1.30.3", platform: "openshift" } });
        expect(istiodValues(settings, settings.istio.revisions[0]).pilot.cni).toEqual({ enabled: true, provider: "multus" });
    });

    test("explicit overrides win over the preset", () => {
        const { cni } = cniOf({ istio: { version: "1.30.3", platform: "k3s" }, interception: { mode: "cni", cni: { binDir: "/opt/k3s/cni", namespace: "kube-system" } } });
        expect([cni.binDir, cni.confDir, cni.namespace]).toEqual(["/opt/k3s/cni", "/var/lib/rancher/k3s/agent/etc/cni/net.d", "kube-system"]);
    });
});


describe("validation", () => {
    test("init mode with a restricted namespace names the namespace and the fix", () => {
        expect(configProblems(configWith({ namespaces: [{ name: "payments", podSecurity: "restricted" }] }))).toEqual([
            'mesh.namespaces[0].podSecurity: got "restricted"; namespace "payments" enforces the restricted Pod Security Standard, which rejects the istio-init container (it needs NET_ADMIN and NET_RAW), so no injected pod would start there. Fix: set interception.mode to "cni" (pods then need no extra capability)',
        ]);
        expect(() => parseMeshConfig(configWith({ interception: { mode: "cni" }, namespaces: [{ name: "payments", podSecurity: "restricted" }] }))).not.toThrow();
    });

    test("CNI settings in init mode, and a relative path", () => {
        expect(configProblems(configWith({ interception: { cni: { chained: false } } }))).toEqual([
            'mesh.interception.cni: got {"chained":false}; read only in CNI mode. Fix: set interception.mode to "cni", or remove interception.cni',
        ]);
        expect(configProblems(configWith({ interception: { mode: "cni", cni: { binDir: "opt/cni/bin" } } }))).toEqual([
            'mesh.interception.cni.binDir: got "opt/cni/bin"; allowed: an absolute path on the node. Fix: e.g. /opt/cni/bin',
        ]);
    });
});
