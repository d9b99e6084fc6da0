/**
 * Unit tests of this platform's mesh settings, with the package's mock harness: no cluster and no engine, the
 * resources the Mesh component registers are recorded and asserted on.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Mesh, parseMeshConfig } from "pulumi-istio-mesh";
import { unwrap, useMocks } from "pulumi-istio-mesh/testing";
import { ENVIRONMENTS, Environment, meshSettings } from "./meshSettings";

// Loading a program and its modules under mocks takes seconds on a busy machine; no test here measures time.
jest.setTimeout(120_000);

const mocks = useMocks({ project: "mesh-platform", stack: "test" });
beforeEach(() => mocks.reset());

const CHART = "kubernetes:helm.sh/v4:Chart";

/** Istio's chart name of a chart reference: `istiod` of `oci://ghcr.io/istio/release/charts/istiod`. */
function chartName(reference: unknown): string {
    return String(reference).split("/").pop()!;
}

/** Installs one environment's mesh, as index.ts does, and waits until every resource is registered. */
async function install(environment: Environment): Promise<void> {
    const provider = new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    new Mesh("mesh", meshSettings(environment), { provider });
    await mocks.settled();
}

/** The values of the istiod chart of the one revision (Istio's keys). */
function istiodValues(): Record<string, unknown> {
    const charts = mocks.ofType(CHART).filter((chart) => chartName(chart.inputs.chart) === "istiod");
    expect(charts).toHaveLength(1);
    return charts[0].inputs.values as Record<string, unknown>;
}

/** istiod's own values, under `pilot` in Istio's chart. */
function pilotValues(): Record<string, unknown> {
    return istiodValues().pilot as Record<string, unknown>;
}

function mtlsMode(): unknown {
    return (mocks.named("mesh-policy-mtls").inputs.spec as { mtls: { mode: string } }).mtls.mode;
}

test.each(ENVIRONMENTS)("the %s settings are a valid mesh configuration", (environment) => {
    expect(() => parseMeshConfig(meshSettings(environment))).not.toThrow();
});

test("prod has STRICT mTLS and two istiod replicas with a disruption budget", async () => {
    await install("prod");
    expect(mtlsMode()).toBe("STRICT");
    const pilot = pilotValues();
    expect(pilot.replicaCount).toBe(2);
    expect(pilot.autoscaleEnabled).toBe(false);
    expect(pilot.pdb).toEqual({ minAvailable: 1 });
    expect((istiodValues().global as { defaultPodDisruptionBudget: unknown }).defaultPodDisruptionBudget).toEqual({ enabled: true });
});

test("prod intercepts traffic with the CNI agent, dev with istio-init", async () => {
    await install("prod");
    expect(mocks.ofType(CHART).map((chart) => chartName(chart.inputs.chart))).toContain("cni");
    expect((pilotValues().cni as { enabled: boolean }).enabled).toBe(true);
    mocks.reset();
    await install("dev");
    expect(mocks.ofType(CHART).map((chart) => chartName(chart.inputs.chart))).not.toContain("cni");
    expect((pilotValues().cni as { enabled: boolean }).enabled).toBe(false);
});

test("dev has PERMISSIVE mTLS, one istiod and access logs", async () => {
    await install("dev");
    expect(mtlsMode()).toBe("PERMISSIVE");
    expect(pilotValues().replicaCount).toBe(1);
    expect((istiodValues().meshConfig as { accessLogFile: string }).accessLogFile).toBe("/dev/stdout");
});

test("every environment enrolls the teams' namespaces and gets its own trust domain", async () => {
    for (const environment of ["dev", "prod"] as const) {
        mocks.reset();
        await install(environment);
        const namespaces = mocks.ofType("kubernetes:core/v1:Namespace").map((namespace) => (namespace.inputs.metadata as { name: string }).name);
        expect(namespaces).toEqual(expect.arrayContaining(["shop", "payments"]));
        expect((istiodValues().meshConfig as { trustDomain: string }).trustDomain).toBe(`${environment}.platform.example.com`);
    }
});

test("every Kubernetes resource goes through the program's own provider", async () => {
    await install("prod");
    const kubernetes = mocks.resources.filter((resource) => resource.type.startsWith("kubernetes:"));
    expect(kubernetes.length).toBeGreaterThan(0);
    expect(kubernetes.filter((resource) => !/::cluster::/.test(resource.provider ?? ""))).toEqual([]);
    expect(mocks.ofType("pulumi:providers:kubernetes").map((provider) => provider.name)).toEqual(["cluster"]);
});

test("the root CA's private key stays a secret", async () => {
    const mesh = new Mesh("mesh", meshSettings("prod"));
    const ca = mesh.certificateAuthority!;
    expect(await pulumi.isSecret(ca.rootPrivateKeyPem!)).toBe(true);
    expect(await unwrap(ca.rootCertificatePem)).toContain("BEGIN CERTIFICATE");
    await mocks.settled();
});

test("a wrong setting is refused with its key path and the fix, before anything is registered", async () => {
    const settings = { ...meshSettings("prod"), istiod: { replicas: 0 } };
    expect(() => new Mesh("mesh", settings)).toThrow(/mesh\.istiod\.replicas: got 0; allowed: at least 1/);
    await mocks.settled();
    expect(mocks.resources.filter((resource) => resource.type !== "mesh:istio:Mesh")).toEqual([]);
});

test("the program gives its provider the kubeconfig as a secret and installs the configured environment", async () => {
    pulumi.runtime.setAllConfig(
        { "mesh-platform:kubeconfig": "apiVersion: v1\nkind: Config\n", "mesh-platform:environment": "prod" },
        ["mesh-platform:kubeconfig"],
    );
    jest.isolateModules(() => require("./index"));
    await mocks.settled();
    const provider = mocks.named("cluster");
    expect(provider.inputs.kubeconfig).toBe("apiVersion: v1\nkind: Config\n");
    expect(provider.secretInputs).toContain("kubeconfig");
    expect(mtlsMode()).toBe("STRICT");
});
