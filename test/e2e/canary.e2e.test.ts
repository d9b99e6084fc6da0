/**
 * The canary upgrade runbook of the README, step by step on the real engine: each step's preview shows what the
 * README says it shows, then the step is applied.
 *
 * Needs the charts of both versions in ISTIO_CHARTS_DIR (with `{version}` in the path).
 */
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { find, kubectl, KubeObject } from "../../components/verify/kubectl";
import { changes, clusterEnv, E2eWorkspace, Step } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const from = process.env.ISTIO_E2E_FROM_VERSION ?? "1.29.6";
const to = process.env.ISTIO_E2E_VERSION ?? "1.30.3";
const [oldRevision, newRevision] = [from, to].map((version) => version.replace(/[^a-z0-9]+/g, "-"));
const runnable = chartsDirectory?.includes("{version}") && kubeconfig;
const suite = runnable ? describe : describe.skip;

if (!runnable) {
    console.log(
        `canary upgrade suite skipped: it needs ${CHARTS_DIRECTORY_ENV} with {version} in the path (charts of ${from} and ${to}) and KUBECONFIG`,
    );
}

const NAMESPACE = "e2e-canary";

function config(istio: Record<string, unknown>, tag?: string): Record<string, unknown> {
    return {
        istio,
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        webhooks: { validationFailurePolicy: "Ignore" },
        // No istiod runs on the local cluster: the readiness gate says it skips its probes.
        readiness: { probe: "skip" },
        namespaces: [{ name: NAMESPACE, ...(tag ? { tag } : {}) }],
        cluster: { kubeconfig },
    };
}

const both = { revisions: [{ version: from }, { version: to }] };

/**
 * What a preview changes, as "op name" lines. Pulumi hands the dynamic provider (the intermediate CA's signer) the
 * whole stack configuration, so every configuration edit also updates that provider's configuration; it changes no
 * resource and is left out here.
 */
function summary(steps: readonly Step[]): string[] {
    return changes(steps)
        .filter((step) => step.type !== "pulumi:providers:pulumi-nodejs")
        .map((step) => `${step.op} ${step.name}`);
}

suite(`canary upgrade ${from} -> ${to}`, () => {
    jest.setTimeout(20 * 60 * 1000);
    const workspace = new E2eWorkspace("canary", clusterEnv());

    afterAll(() => workspace.discard());

    async function step(mesh: Record<string, unknown>): Promise<string[]> {
        workspace.configure(mesh);
        const planned = summary(await workspace.preview());
        console.log(`preview:\n  ${planned.join("\n  ")}`);
        const { result } = await workspace.up();
        expect(result.summary.result).toBe("succeeded");
        return planned;
    }

    test(`1. start on ${from}`, async () => {
        await step(config({ version: from }));
        expect(find("namespace", NAMESPACE)?.metadata.labels).toMatchObject({ "istio-injection": "enabled" });
    });

    test("2. add the canary revision: a new istiod and its tag; nothing of the old revision changes", async () => {
        const planned = await step(config({ ...both, tags: { default: oldRevision, canary: newRevision } }));
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
        // Only the base chart (CRDs of the newer release) is updated.
        expect(planned.filter((line) => line.startsWith("update ")).every((line) => line.startsWith("update mesh-base:"))).toBe(true);
    });

    test("3. one namespace tries the canary: only its label changes", async () => {
        const planned = await step(config({ ...both, tags: { default: oldRevision, canary: newRevision } }, "canary"));
        expect(planned).toEqual([`update mesh-enrollment-${NAMESPACE}`]);
        const labels = find("namespace", NAMESPACE)?.metadata.labels ?? {};
        expect([labels["istio.io/rev"], labels["istio-injection"]]).toEqual(["canary", undefined]);
    });

    test("4. move the default tag: its webhook and the default validator are updated in place", async () => {
        const planned = await step(config({ ...both, tags: { default: newRevision, canary: newRevision } }, "canary"));
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
        const planned = await step(config({ revisions: [{ version: to }], tags: { default: newRevision, canary: newRevision } }, "canary"));
        const deleted = planned.filter((line) => line.startsWith("delete "));
        expect(planned.filter((line) => !line.startsWith("delete ") && !line.startsWith("update "))).toEqual([]);
        expect(deleted.length).toBeGreaterThan(10);
        expect(deleted.filter((line) => !line.includes(oldRevision))).toEqual([]);
        expect(find("deployment", `istiod-${oldRevision}`, "istio-system")).toBeUndefined();
        expect(kubectl(["get", "deployment", "-n", "istio-system", "-o", "name"]).trim()).toBe(`deployment.apps/istiod-${newRevision}`);
    });
});
