/**
 * Ambient mode on a real API server, by the real engine, with Istio's real charts: the Gateway API CRDs (a real
 * release manifest, from the sigs.k8s.io/gateway-api Go module) applied server-side before istiod, istiod with the
 * ambient profile, the CNI agent in ambient mode and ztunnel ready on every simulated node, an ambient namespace with a
 * waypoint beside a sidecar namespace, a Gateway API gateway; a second up with no change; destroy leaving only Istio's
 * CRDs. Then the CRD version rules on real CRDs: older live CRDs are upgraded (and taken over from their manager),
 * newer ones stop the stack before anything is applied, external ones are only checked.
 *
 * No istiod runs here (the nodes are simulated), so validation fails open (webhooks.validationFailurePolicy Ignore) and
 * the readiness gate skips its probes; istiod programming the Gateways is proven in ambientIstiod.e2e.test.ts.
 */
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { parseIstioVersion } from "../../components/config/istioVersion";
import { gatewayApiVersionFor } from "../../components/gatewayapi/versions";
import { eventually, find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { gatewayApiManifest, goAvailable } from "./gatewayApiManifests";
import { changes, clusterEnv, deleteIstioCrds, E2eWorkspace, StateResource } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const version = process.env.ISTIO_E2E_VERSION ?? "1.30.3";
const revision = version.replace(/[^a-z0-9]+/g, "-");
const pinned = gatewayApiVersionFor(parseIstioVersion(version)!).text;
const suite = chartsDirectory && kubeconfig && goAvailable() ? describe : describe.skip;

const AMBIENT_NAMESPACE = "e2e-ambient-shop";
const SIDECAR_NAMESPACE = "e2e-ambient-legacy";
const GATEWAY = "e2e-public";

type DaemonSet = KubeObject & {
    status: { desiredNumberScheduled: number; numberReady: number };
    spec: { template: { spec: { containers: { name: string; image: string; env?: { name: string; value?: string }[] }[] } } };
};
type Crd = KubeObject & { metadata: KubeObject["metadata"] & { annotations?: Record<string, string>; managedFields?: { manager: string; operation: string }[] } };

function meshConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio: { version },
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        webhooks: { validationFailurePolicy: "Ignore" },
        readiness: { probe: "skip" },
        dataPlane: { mode: "ambient", ztunnel: { resources: { requests: { cpu: "10m", memory: "32Mi" } } } },
        gatewayApi: { manifest: gatewayApiManifest(pinned) },
        cluster: { kubeconfig },
        ...overrides,
    };
}

/**
 * The CRD rules do not depend on the data plane: their suite runs the lighter sidecar stack with the CRDs managed
 * (or checked) explicitly.
 */
function crdRulesConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio: { version },
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        webhooks: { validationFailurePolicy: "Ignore" },
        readiness: { probe: "skip" },
        gatewayApi: { crds: "managed", manifest: gatewayApiManifest(pinned) },
        cluster: { kubeconfig },
        ...overrides,
    };
}

const FULL = {
    namespaces: [
        { name: AMBIENT_NAMESPACE, waypoint: {} },
        { name: SIDECAR_NAMESPACE, dataplane: "sidecar" },
    ],
    gateways: [{ name: GATEWAY, kind: "ingress", gatewayClass: "istio", serviceType: "ClusterIP", hosts: [{ host: "shop.example.com" }] }],
};

function gatewayApiCrds(): Crd[] {
    return getJson<{ items: Crd[] }>(["crd"]).items.filter((crd) => /\.gateway\.networking\.(x-)?k8s\.io$/.test(crd.metadata.name));
}

/** Removes every Gateway API CRD and the bundle's admission policy, as a cluster without the Gateway API has none. */
function deleteGatewayApi(): void {
    const names = gatewayApiCrds().map((crd) => `crd/${crd.metadata.name}`);
    if (names.length > 0) {
        kubectl(["delete", "--ignore-not-found", ...names]);
    }
    kubectl(["delete", "--ignore-not-found", "validatingadmissionpolicybinding,validatingadmissionpolicy", "safe-upgrades.gateway.networking.k8s.io"]);
}

/**
 * Applies a release as another owner would (kubectl's server-side apply, its own field manager). Retried for a while:
 * the API server takes a moment to forget a deleted admission policy of an earlier release (safe-upgrades refuses
 * releases before v1.5.0 and experimental over standard).
 */
async function applyAsOtherOwner(file: string): Promise<void> {
    await eventually(() => kubectl(["apply", "--server-side", "--field-manager=platform-team", "-f", file]), 60);
}

function bundleVersions(): Record<string, string> {
    return Object.fromEntries(gatewayApiCrds().map((crd) => [crd.metadata.name, crd.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"] ?? "none"]));
}

/** The DaemonSet once its controller reports a ready pod on every node. */
function daemonSetReadyEverywhere(name: string): Promise<DaemonSet> {
    const nodes = getJson<{ items: unknown[] }>(["nodes"]).items.length;
    return eventually(() => {
        const found = find("daemonset", name, "istio-system") as DaemonSet | undefined;
        expect([name, found?.status.desiredNumberScheduled, found?.status.numberReady]).toEqual([name, nodes, nodes]);
        return found!;
    }, 120);
}

suite(`ambient mode (Istio ${version}, Gateway API ${pinned})`, () => {
    jest.setTimeout(15 * 60 * 1000);
    const workspace = new E2eWorkspace("ambient", clusterEnv());
    let state: StateResource[] = [];

    beforeAll(() => deleteGatewayApi());

    afterAll(async () => {
        await workspace.discard();
        deleteGatewayApi();
    });

    test("the ambient stack goes up: every object accepted", async () => {
        workspace.configure(meshConfig(FULL));
        const { result } = await workspace.up();
        expect(result.summary.result).toBe("succeeded");
        state = await workspace.resources();
        const kinds = new Set(state.filter((resource) => resource.custom === true).map((resource) => resource.type));
        for (const kind of [
            "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
            "kubernetes:apps/v1:DaemonSet",
            "kubernetes:gateway.networking.k8s.io/v1:Gateway",
        ]) {
            expect(kinds).toContain(kind);
        }
    });

    test("the Gateway API CRDs are the pinned release, applied server-side by the stack", () => {
        const crds = gatewayApiCrds();
        expect(crds.length).toBeGreaterThanOrEqual(6);
        expect([...new Set(Object.values(bundleVersions()))]).toEqual([pinned]);
        const gateways = crds.find((crd) => crd.metadata.name === "gateways.gateway.networking.k8s.io")!;
        const managers = (getJson(["crd", gateways.metadata.name, "--show-managed-fields"]) as Crd).metadata.managedFields ?? [];
        expect(managers.map((field) => field.operation)).toContain("Apply");
        expect(managers.filter((field) => field.operation === "Apply").map((field) => field.manager)).toEqual([expect.stringMatching(/^pulumi/)]);
    });

    test("the CNI agent (ambient mode) and ztunnel are ready on every node", async () => {
        const cni = await daemonSetReadyEverywhere("istio-cni-node");
        expect(cni.spec.template.spec.containers[0].image).toMatch(new RegExp(`^docker\\.io/istio/install-cni:${version.replace(/\./g, "\\.")}`));
        const config = find("configmap", "istio-cni-config", "istio-system") as KubeObject & { data: Record<string, string> };
        expect(config.data.AMBIENT_ENABLED).toBe("true");

        const ztunnel = await daemonSetReadyEverywhere("ztunnel");
        const container = ztunnel.spec.template.spec.containers[0];
        expect(container.image).toBe(`docker.io/istio/ztunnel:${version}`);
        expect(container.env?.find((entry) => entry.name === "XDS_ADDRESS")?.value).toBe(`istiod-${revision}.istio-system.svc:15012`);
    });

    test("istiod runs Istio's ambient profile", () => {
        const istiod = find("deployment", `istiod-${revision}`, "istio-system") as KubeObject & {
            spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
        };
        const env = istiod.spec.template.spec.containers[0].env ?? [];
        expect(env.find((entry) => entry.name === "PILOT_ENABLE_AMBIENT")?.value).toBe("true");
    });

    test("namespaces: ambient without an injection label and with its waypoint, sidecar beside it", () => {
        expect(find("namespace", AMBIENT_NAMESPACE)?.metadata.labels).toMatchObject({ "istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": "waypoint" });
        expect(find("namespace", AMBIENT_NAMESPACE)?.metadata.labels?.["istio-injection"]).toBeUndefined();
        expect(find("namespace", SIDECAR_NAMESPACE)?.metadata.labels).toMatchObject({ "istio-injection": "enabled" });
        const waypoint = find("gateways.gateway.networking.k8s.io", "waypoint", AMBIENT_NAMESPACE) as KubeObject & { spec: { gatewayClassName: string } };
        expect(waypoint.spec.gatewayClassName).toBe("istio-waypoint");
        const gateway = find("gateways.gateway.networking.k8s.io", GATEWAY, "istio-ingress") as KubeObject & { spec: { gatewayClassName: string } };
        expect(gateway.spec.gatewayClassName).toBe("istio");
    });

    test("a second up changes nothing", async () => {
        const { steps, result } = await workspace.up();
        expect(changes(steps)).toEqual([]);
        expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
    });

    test("destroy leaves only Istio's CRDs", async () => {
        await workspace.destroy();
        const left = state
            .filter((resource) => resource.custom === true && resource.type.startsWith("kubernetes:"))
            .map((resource) => resource.outputs as unknown as KubeObject)
            .filter((object) => object?.metadata?.name !== undefined)
            .filter((object) => {
                const [group, apiVersion] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
                const kind = group === "" ? object.kind : `${object.kind}.${apiVersion}.${group}`;
                return find(kind, object.metadata.name, object.metadata.namespace) !== undefined;
            })
            .map((object) => `${object.kind} ${object.metadata.name}`);
        expect(left.filter((entry) => !/^CustomResourceDefinition .*\.istio\.io$/.test(entry))).toEqual([]);
        expect(left.length).toBeGreaterThan(0);
        expect(gatewayApiCrds()).toEqual([]);
    });
});

suite("Gateway API CRD version rules on real CRDs", () => {
    jest.setTimeout(15 * 60 * 1000);
    const older = "v1.4.1";
    const newer = "v1.6.0";

    beforeEach(() => deleteGatewayApi());
    afterAll(() => {
        deleteGatewayApi();
        deleteIstioCrds();
    });

    test(`older live CRDs (${older}, another owner's) are upgraded to ${pinned} and taken over`, async () => {
        await applyAsOtherOwner(gatewayApiManifest(older));
        expect([...new Set(Object.values(bundleVersions()))]).toEqual([older]);
        const workspace = new E2eWorkspace("crd-older", clusterEnv());
        try {
            workspace.configure(crdRulesConfig());
            const { result } = await workspace.up();
            expect(result.summary.result).toBe("succeeded");
            expect([...new Set(Object.values(bundleVersions()))]).toEqual([pinned]);
        } finally {
            await workspace.discard();
        }
    });

    test(`newer live CRDs (${newer}) stop the stack before anything is applied, naming both versions`, async () => {
        await applyAsOtherOwner(gatewayApiManifest(newer));
        const workspace = new E2eWorkspace("crd-newer", clusterEnv());
        try {
            workspace.configure(crdRulesConfig());
            await expect(workspace.preview()).rejects.toThrow(
                new RegExp(`newer than the ${pinned} this stack would apply, and the stack never downgrades them: .*gateways\\.gateway\\.networking\\.k8s\\.io ${newer}`),
            );
            await expect(workspace.up()).rejects.toThrow(/never downgrades them/);
            expect(find("namespace", "istio-system")).toBeUndefined();
            expect([...new Set(Object.values(bundleVersions()))]).toEqual([newer]);
        } finally {
            await workspace.discard();
        }
    });

    test("external CRDs are never touched, and checked against istiod's minimums", async () => {
        // A Gateway API gateway needs the CRDs: the stack checks that they are there.
        const external = { gatewayApi: { crds: "external" }, gateways: [{ name: GATEWAY, kind: "ingress", gatewayClass: "istio", serviceType: "ClusterIP" }] };
        // The experimental channel of v1.4.1 carries TLSRoute at v1.4.1; istiod 1.30 and later ignore TLSRoutes below v1.5.0.
        if (parseIstioVersion(version)!.minor >= 30) {
            await applyAsOtherOwner(gatewayApiManifest(older, "experimental"));
            const tooOld = new E2eWorkspace("crd-external-old", clusterEnv());
            try {
                tooOld.configure(crdRulesConfig(external));
                await expect(tooOld.preview()).rejects.toThrow(
                    new RegExp(`tlsroutes\\.gateway\\.networking\\.k8s\\.io is v1\\.4\\.1, below v1\\.5\\.0 that istiod ${version.replace(/\./g, "\\.")} requires`),
                );
            } finally {
                await tooOld.discard();
            }
        }

        deleteGatewayApi();
        await applyAsOtherOwner(gatewayApiManifest(newer));
        const before = bundleVersions();
        const workspace = new E2eWorkspace("crd-external", clusterEnv());
        try {
            workspace.configure(crdRulesConfig(external));
            const { result } = await workspace.up();
            expect(result.summary.result).toBe("succeeded");
            const state = await workspace.resources();
            expect(state.filter((resource) => resource.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition" && resource.urn.includes(".gateway.networking.k8s.io"))).toEqual([]);
            await workspace.destroy();
            // Untouched by the up and by the destroy.
            expect(bundleVersions()).toEqual(before);
        } finally {
            await workspace.discard();
        }
    });
});
