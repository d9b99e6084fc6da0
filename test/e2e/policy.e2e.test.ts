/**
 * The policy pack with the real engine: on the prod stack a violation fails the preview with the rule's message.
 * Preview only: nothing is applied.
 *
 * The engine starts a Node.js policy pack through the Node.js language host (its RunPlugin call), with the pack's
 * folder (policy/, a package of its own) as the working directory. The host built by scripts/tools/engine.sh is the
 * newest the Go module proxy serves, 3.68, whose RunPlugin answers "not supported", so the suite runs only with
 * MESH_E2E_POLICY_PACKS=1, against a Pulumi CLI installed the usual way. test/policy.test.ts starts the pack the way
 * the host does, without the engine.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { clusterEnv, E2eWorkspace, PROJECT_ROOT } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const enabled = process.env.MESH_E2E_POLICY_PACKS === "1";
const suite = chartsDirectory && kubeconfig && enabled ? describe : describe.skip;

if (!enabled) {
    console.log("policy pack suite skipped: set MESH_E2E_POLICY_PACKS=1 with a Pulumi CLI whose Node.js language host runs policy packs (3.80 or later)");
}

/** The committed prod configuration, pointed at the local cluster. */
function prodConfig(overrides: Record<string, unknown>): Record<string, unknown> {
    const document = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
    return { ...document.config["istio-mesh:mesh"], cluster: { kubeconfig }, ...overrides };
}

suite("the policy pack on the prod stack", () => {
    jest.setTimeout(10 * 60 * 1000);
    const workspace = new E2eWorkspace("policy", clusterEnv(), "prod");
    const policyPack = path.join(workspace.workDir, "policy");

    afterAll(async () => {
        await workspace.remove().catch(() => undefined);
    });

    test("the committed prod configuration passes every rule", async () => {
        workspace.configure(prodConfig({}));
        await expect(workspace.preview({ policyPacks: [policyPack] })).resolves.toBeDefined();
    });

    test("PERMISSIVE mutual TLS on prod fails the preview with the rule's message", async () => {
        workspace.configure(prodConfig({ mtls: { mode: "PERMISSIVE" } }));
        await expect(workspace.preview({ policyPacks: [policyPack] })).rejects.toThrow(/strict-mtls[\s\S]*mesh\.mtls\.mode/);
    });
});
