/**
 * The scheduled drift check with the real engine on a real API server: after an up it finds nothing; after istiod is
 * scaled by hand and its mesh ConfigMap deleted by hand, it names both objects (and what differs) and fails; an up
 * puts them back and it passes again.
 *
 * On the local cluster nothing serves istiod's webhooks, so the stack runs with validation failing open (see
 * mesh.e2e.test.ts).
 */
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { kubectl } from "../../components/verify/kubectl";
import { runDriftPreview } from "../../scripts/checks/drift";
import { driftSection, formatChecks } from "../../scripts/checks/report";
import { clusterEnv, E2eWorkspace } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const version = process.env.ISTIO_E2E_VERSION ?? "1.30.3";
const revision = version.replace(/[^a-z0-9]+/g, "-");
const suite = chartsDirectory && kubeconfig ? describe : describe.skip;

suite("the scheduled drift check on a real API server", () => {
    jest.setTimeout(15 * 60 * 1000);
    const workspace = new E2eWorkspace("drift", clusterEnv());
    const drift = () => runDriftPreview(["pulumi", "preview", "--stack", workspace.stackName], workspace.workDir, { ...process.env, ...clusterEnv() });

    beforeAll(() => {
        workspace.configure({
            istio: { version },
            istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
            webhooks: { validationFailurePolicy: "Ignore" },
            cluster: { kubeconfig },
        });
    });

    afterAll(async () => {
        await workspace.discard();
    });

    test("after an up, the cluster runs what the stack holds: no finding", async () => {
        await workspace.up();
        const result = drift();
        expect(result).toEqual({ changes: [] });
        expect(driftSection(workspace.stackName, result, "up").passed).toBe(true);
    });

    test("istiod scaled and its mesh ConfigMap deleted by hand: both are named, with what differs, and the check fails", () => {
        kubectl(["-n", "istio-system", "scale", "deployment", `istiod-${revision}`, "--replicas=3"]);
        kubectl(["-n", "istio-system", "delete", "configmap", `istio-${revision}`]);
        const result = drift();
        expect(result.error).toBeUndefined();
        expect(result.changes.map((change) => [change.op, change.type, change.name.split(":").pop()])).toEqual(
            expect.arrayContaining([
                ["update", "kubernetes:apps/v1:Deployment", `istio-system/istiod-${revision}`],
                ["create", "kubernetes:core/v1:ConfigMap", `istio-system/istio-${revision}`],
            ]),
        );
        expect(result.changes.find((change) => change.type === "kubernetes:apps/v1:Deployment")?.properties).toContain("spec.replicas");
        const section = driftSection(workspace.stackName, result, "up");
        expect(section.passed).toBe(false);
        console.log(formatChecks(workspace.stackName, [section]));
    });

    test("an up puts them back, and the check passes again", async () => {
        await workspace.up();
        expect(drift()).toEqual({ changes: [] });
    });
});
