/**
 * The canary upgrade runbook of the README, step by step on the real engine: each step's preview shows what the
 * README says it shows, then the step is applied.
 *
 * Needs the charts of both versions in ISTIO_CHARTS_DIR (with `{version}` in the path).
 */
import { find, kubectl, KubeObject } from "../../components/verify/kubectl";
import { from, istioAt, newRevision, oldRevision, onCanary, RunbookStep, runbookSkipReason, takeStep, to } from "./canaryRunbook";
import { clusterEnv, E2eWorkspace } from "./workspace";

const skipReason = runbookSkipReason();
const suite = skipReason === undefined ? describe : describe.skip;

if (skipReason !== undefined) {
    console.log(`canary upgrade suite skipped: ${skipReason}`);
}

const NAMESPACE = "e2e-canary";

/** The stack file of a runbook step. */
function config(step: RunbookStep): Record<string, unknown> {
    return {
        istio: istioAt(step),
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        webhooks: { validationFailurePolicy: "Ignore" },
        // No istiod runs on the local cluster: the readiness gate says it skips its probes.
        readiness: { probe: "skip" },
        namespaces: [{ name: NAMESPACE, ...(onCanary(step) ? { tag: "canary" } : {}) }],
        cluster: { kubeconfig: process.env.KUBECONFIG },
    };
}

suite(`canary upgrade ${from} -> ${to}`, () => {
    jest.setTimeout(20 * 60 * 1000);
    const workspace = new E2eWorkspace("canary", clusterEnv());

    afterAll(() => workspace.discard());

    test(`1. start on ${from}`, async () => {
        await takeStep(workspace, config(1));
        expect(find("namespace", NAMESPACE)?.metadata.labels).toMatchObject({ "istio-injection": "enabled" });
    });

    test("2. add the canary revision: a new istiod and its tag; nothing of the old revision changes", async () => {
        const { planned } = await takeStep(workspace, config(2));
        expect(planned.filter((line) => line.includes(oldRevision))).toEqual([]);
        expect(planned.filter((line) => !line.startsWith("create ") && !line.startsWith("update "))).toEqual([]);
        expect(planned).toEqual(
            expect.arrayContaining([
                `create mesh-istiod-${newRevision}`,
                `create mesh-istiod:istio-system/istiod-${newRevision}`,
                `create mesh-istiod:istio-sidecar-injector-${newRevision}`,
                "create mesh-istiod:istio-revision-tag-canary",
            ]),
        );
        // Updated: only the base chart (CRDs of the newer release) and the readiness gate (a revision more to wait for).
        expect(planned.filter((line) => line.startsWith("update ") && !/^update (mesh-base:|mesh-ready$)/.test(line))).toEqual([]);
    });

    test("3. one namespace tries the canary: only its label changes", async () => {
        const { planned } = await takeStep(workspace, config(3));
        expect(planned).toEqual([`update mesh-enrollment-${NAMESPACE}`]);
        const labels = find("namespace", NAMESPACE)?.metadata.labels ?? {};
        expect([labels["istio.io/rev"], labels["istio-injection"]]).toEqual(["canary", undefined]);
    });

    test("4. move the default tag: its webhook and the default validator are updated in place", async () => {
        const { planned } = await takeStep(workspace, config(4));
        expect(planned).toEqual(
            expect.arrayContaining(["update mesh-istiod:istio-revision-tag-default", "update mesh-base:istiod-default-validator"]),
        );
        expect(planned.filter((line) => !line.startsWith("update "))).toEqual([]);
        const tag = find("mutatingwebhookconfiguration", "istio-revision-tag-default") as KubeObject & {
            webhooks: { clientConfig: { service: { name: string } } }[];
        };
        expect([...new Set(tag.webhooks.map((webhook) => webhook.clientConfig.service.name))]).toEqual([`istiod-${newRevision}`]);
    });

    test("5. remove the old revision: only its objects are deleted", async () => {
        const { planned } = await takeStep(workspace, config(5));
        const deleted = planned.filter((line) => line.startsWith("delete "));
        expect(planned.filter((line) => !line.startsWith("delete ") && !line.startsWith("update "))).toEqual([]);
        expect(deleted.length).toBeGreaterThan(10);
        expect(deleted.filter((line) => !line.includes(oldRevision))).toEqual([]);
        expect(find("deployment", `istiod-${oldRevision}`, "istio-system")).toBeUndefined();
        expect(kubectl(["get", "deployment", "-n", "istio-system", "-o", "name"]).trim()).toBe(`deployment.apps/istiod-${newRevision}`);
    });
});
