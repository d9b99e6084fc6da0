import * as pulumi from "@pulumi/pulumi";
import { ControlPlane } from "../components/controlplane/controlPlane";
import { baseValues, istiodValues } from "../components/controlplane/values";
import { settingsWith } from "./fixtures";
import { unwrap, useMocks } from "./harness";

const mocks = useMocks();
const CHART = "kubernetes:helm.sh/v4:Chart";

beforeEach(() => mocks.reset());

async function controlPlane(patch: Record<string, unknown> = {}, pluginCa?: pulumi.Input<{ caCert: string; caKey: string; rootCert: string; certChain: string }>) {
    const settings = settingsWith(patch);
    const component = new ControlPlane("mesh", { settings, pluginCa }, { transformations: [mocks.recordDependencies] });
    await mocks.settled();
    return { settings, component };
}

describe("ControlPlane", () => {
    test("installs the namespace, base and istiod charts, and nothing else without a CA", async () => {
        await controlPlane();
        expect(mocks.resources.map((resource) => `${resource.type} ${resource.name}`).sort()).toEqual([
            "kubernetes:core/v1:Namespace mesh-namespace",
            `${CHART} mesh-base`,
            `${CHART} mesh-istiod-1-30-3`,
            "mesh:istio:ControlPlane mesh",
        ]);
    });

    test("the namespace is the configured one", async () => {
        await controlPlane({ namespace: "mesh-system" });
        expect(mocks.named("mesh-namespace").inputs).toEqual({
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: "mesh-system", labels: { "app.kubernetes.io/part-of": "istio" } },
        });
    });

    test("each chart has its name, version, source, namespace and values", async () => {
        const { settings } = await controlPlane({ istio: { version: "1.30.3" } });
        const base = mocks.named("mesh-base").inputs;
        const istiod = mocks.named("mesh-istiod-1-30-3").inputs;
        expect(base).toEqual({
            chart: "oci://ghcr.io/istio/release/charts/base",
            version: "1.30.3",
            name: "istio-base",
            namespace: "istio-system",
            values: baseValues(settings),
        });
        expect(istiod).toEqual({
            chart: "oci://ghcr.io/istio/release/charts/istiod",
            version: "1.30.3",
            name: "istiod-1-30-3",
            namespace: "istio-system",
            resourcePrefix: "mesh-istiod",
            values: istiodValues(settings, settings.istio.revisions[0]),
        });
    });

    test("1.31 charts come from the OCI registry", async () => {
        await controlPlane({ istio: { version: "1.31.0" } });
        expect([mocks.named("mesh-base").inputs.chart, mocks.named("mesh-istiod-1-31-0").inputs.chart]).toEqual([
            "oci://ghcr.io/istio/release/charts/base",
            "oci://ghcr.io/istio/release/charts/istiod",
        ]);
        expect(mocks.named("mesh-istiod-1-31-0").inputs.repositoryOpts).toBeUndefined();
    });

    test("order: namespace, then base, then istiod", async () => {
        await controlPlane();
        expect(await mocks.dependenciesOf("mesh-base")).toEqual(["mesh-namespace"]);
        expect(await mocks.dependenciesOf("mesh-istiod-1-30-3")).toEqual(["mesh-base"]);
    });

    test("with a plug-in CA, istiod also waits for the cacerts Secret, which waits for the namespace", async () => {
        const ca = { caCert: "INTERMEDIATE", caKey: "KEY", rootCert: "ROOT", certChain: "INTERMEDIATE\nROOT" };
        await controlPlane({}, pulumi.secret(ca));
        expect(await mocks.dependenciesOf("mesh-istiod-1-30-3")).toEqual(["mesh-base", "mesh-cacerts"]);
        expect(await mocks.dependenciesOf("mesh-cacerts")).toEqual(["mesh-namespace"]);
        const secret = mocks.named("mesh-cacerts").inputs;
        expect(secret.metadata).toEqual({ name: "cacerts", namespace: "istio-system", labels: { "app.kubernetes.io/part-of": "istio" } });
    });

    test("exposes its revision, version and namespace", async () => {
        const { component } = await controlPlane({ istio: { revision: "stable" }, namespace: "mesh-system" });
        expect([component.revision, component.version, await unwrap(component.namespace)]).toEqual(["stable", "1.30.3", "mesh-system"]);
    });
});
