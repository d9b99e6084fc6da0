/**
 * The lifecycle on a real API server with the real engine: an object deleted by hand shows in a refreshing preview
 * and is restored by a refreshing up (what `npm run up` runs); after a destroy, an up of another supported release
 * takes over the CRDs the destroy kept; removing a revision whose proxies still run is refused at preview with the
 * count and the namespaces, and goes through once forced.
 *
 * On the local cluster no istiod runs, so the stack runs with validation failing open and the readiness gate's
 * probes skipped. The pod that "runs a revision's proxy" is created as istiod's injector leaves one (the
 * `istio.io/rev` label and the `sidecar.istio.io/status` annotation naming the revision); the census reads exactly
 * those. Run with `bash scripts/e2e.sh test/e2e/lifecycle.e2e.test.ts`; it needs the charts of 1.29.6 and 1.30.3 (or
 * ISTIO_E2E_VERSIONS=old,new) in ISTIO_CHARTS_DIR.
 */
import * as fs from "fs";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { changes, clusterEnv, deleteIstioCrds, E2eWorkspace } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const [oldVersion, newVersion] = (process.env.ISTIO_E2E_VERSIONS ?? "1.29.6,1.30.3").split(",");
const revisionOf = (version: string) => version.replace(/[^a-z0-9]+/g, "-");
const [oldRevision, newRevision] = [revisionOf(oldVersion), revisionOf(newVersion)];
const missingCharts = [oldVersion, newVersion].filter((version) => chartsDirectory?.includes("{version}") && !fs.existsSync(chartsDirectory.replace("{version}", version)));
const skipReason = !chartsDirectory
    ? `${CHARTS_DIRECTORY_ENV} is not set`
    : !kubeconfig
      ? "KUBECONFIG is not set"
      : missingCharts.length > 0
        ? `no charts for ${missingCharts.join(", ")} in ${chartsDirectory}`
        : undefined;
const suite = skipReason === undefined ? describe : describe.skip;
if (skipReason !== undefined) {
    console.log(`lifecycle end-to-end suite skipped: ${skipReason}`);
}

const WORKLOADS = "e2e-lifecycle-shop";

function meshConfig(istio: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio,
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        pki: { enabled: false },
        webhooks: { validationFailurePolicy: "Ignore" },
        readiness: { probe: "skip" },
        cluster: { kubeconfig },
        ...overrides,
    };
}

/** A pod as istiod's injector leaves it: the revision in its label and in the injection status. */
function injectedPod(name: string, revision: string): object {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name,
            namespace: WORKLOADS,
            labels: { app: name, "istio.io/rev": revision },
            annotations: { "sidecar.istio.io/status": JSON.stringify({ initContainers: ["istio-init"], containers: ["istio-proxy"], revision }) },
        },
        spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
    };
}

suite("the lifecycle on a real API server", () => {
    jest.setTimeout(20 * 60 * 1000);
    const workspaces: E2eWorkspace[] = [];
    const workspace = (prefix: string) => {
        const created = new E2eWorkspace(prefix, clusterEnv());
        workspaces.push(created);
        return created;
    };

    afterAll(async () => {
        kubectl(["delete", "namespace", WORKLOADS, "--ignore-not-found", "--wait=false"]);
        for (const each of workspaces) {
            await each.destroy().catch(() => undefined);
            await each.remove().catch(() => undefined);
        }
        deleteIstioCrds();
    });

    test("drift: istiod's Deployment deleted by hand shows in a refreshing preview and a refreshing up restores it", async () => {
        const stack = workspace("drift");
        stack.configure(meshConfig({ version: newVersion }));
        await stack.up();
        const before = find("deployment", `istiod-${newRevision}`, "istio-system");
        expect(before).toBeDefined();
        kubectl(["delete", "deployment", `istiod-${newRevision}`, "-n", "istio-system", "--wait=true"]);

        // Without a refresh the engine trusts its state: nothing to do (the failure of the issue).
        expect(changes(await stack.preview()).map((step) => step.name)).toEqual([]);
        const refreshed = changes(await stack.preview({ refresh: true }));
        expect(refreshed.map((step) => [step.op, step.name])).toEqual([["create", `mesh-istiod:istio-system/istiod-${newRevision}`]]);

        const { steps } = await stack.up({ refresh: true });
        expect(changes(steps).map((step) => [step.op, step.name])).toEqual([["create", `mesh-istiod:istio-system/istiod-${newRevision}`]]);
        const after = find("deployment", `istiod-${newRevision}`, "istio-system");
        expect(after?.metadata.uid).toBeDefined();
        expect(after?.metadata.uid).not.toBe(before?.metadata.uid);
        expect(changes(await stack.preview({ refresh: true }))).toEqual([]);
        await stack.destroy();
    });

    test("after a destroy, an up of another release takes over the CRDs it kept", async () => {
        const first = workspace("crds-a");
        first.configure(meshConfig({ version: oldVersion }));
        await first.up();
        await first.destroy();
        const kept = getJson<{ items: KubeObject[] }>(["crd"]).items.filter((crd) => crd.metadata.name.endsWith(".istio.io"));
        expect(kept.length).toBeGreaterThan(10);

        const second = workspace("crds-b");
        second.configure(meshConfig({ version: newVersion }));
        const { result } = await second.up();
        expect(result.summary.result).toBe("succeeded");
        // The kept CRDs are the new stack's now: the same objects (not re-created), in its state.
        const crd = getJson(["crd", "virtualservices.networking.istio.io"]);
        expect(crd.metadata.uid).toBe(kept.find((each) => each.metadata.name === "virtualservices.networking.istio.io")?.metadata.uid);
        const owned = (await second.resources()).filter((resource) => resource.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
        expect(owned.map((resource) => resource.urn.split("::").pop())).toContain("mesh-base:virtualservices.networking.istio.io");
        await second.destroy();
    });

    test("removing a revision whose proxies still run is refused at preview, with the count and the namespaces", async () => {
        const stack = workspace("removal");
        const both = { revisions: [{ version: oldVersion }, { version: newVersion }], tags: { default: newRevision } };
        stack.configure(meshConfig(both));
        await stack.up();
        kubectl(["create", "namespace", WORKLOADS]);
        for (const name of ["cart-1", "cart-2"]) {
            kubectl(["create", "-f", "-"], JSON.stringify(injectedPod(name, oldRevision)));
        }
        kubectl(["create", "-f", "-"], JSON.stringify(injectedPod("web-1", newRevision)));

        stack.configure(meshConfig({ revisions: [{ version: newVersion }], tags: { default: newRevision } }));
        await expect(stack.preview()).rejects.toThrow(
            new RegExp(`Unsafe revision removal in stack "${stack.stackName}"; nothing was changed:\\s+- revision ${oldRevision} is removed, but 2 pod\\(s\\) still run its proxies, in ${WORKLOADS} \\(2\\)`),
        );
        await expect(stack.up()).rejects.toThrow(/Unsafe revision removal/);
        expect(find("deployment", `istiod-${oldRevision}`, "istio-system")).toBeDefined();

        stack.configure(meshConfig({ revisions: [{ version: newVersion }], tags: { default: newRevision } }, { lifecycle: { forceRevisionRemoval: true } }));
        const forced = changes(await stack.preview());
        expect(forced.length).toBeGreaterThan(0);
        expect(forced.every((step) => step.op === "delete")).toBe(true);
        await stack.up();
        expect(find("deployment", `istiod-${oldRevision}`, "istio-system")).toBeUndefined();
        await stack.destroy();
    });
});
