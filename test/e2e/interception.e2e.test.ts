/**
 * CNI interception on a real API server: the Istio CNI node agent's DaemonSet becomes ready on every node, and
 * istiod's injector is configured for it. (That an injected pod then gets istio-validation instead of istio-init is
 * proven with the real istiod in istiod.e2e.test.ts.)
 */
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { eventually, find, getJson, KubeObject } from "../../components/verify/kubectl";
import { clusterEnv, E2eWorkspace } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const version = process.env.ISTIO_E2E_VERSION ?? "1.30.3";
const revision = version.replace(/[^a-z0-9]+/g, "-");
const suite = chartsDirectory && kubeconfig ? describe : describe.skip;

suite("CNI interception", () => {
    jest.setTimeout(10 * 60 * 1000);
    const workspace = new E2eWorkspace("cni", clusterEnv());

    afterAll(() => workspace.discard());

    test("the CNI agent runs on every node and istiod injects for it", async () => {
        workspace.configure({
            istio: { version },
            istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
            webhooks: { validationFailurePolicy: "Ignore" },
            // No istiod runs on the local cluster: the readiness gate says it skips its probes.
            readiness: { probe: "skip" },
            interception: { mode: "cni", cni: { repair: "label" } },
            cluster: { kubeconfig },
        });
        const { result } = await workspace.up();
        expect(result.summary.result).toBe("succeeded");

        type DaemonSet = KubeObject & {
            status: { desiredNumberScheduled: number; numberReady: number };
            spec: { template: { spec: { containers: { image: string }[] } } };
        };
        const daemonSet = await eventually(() => {
            const found = find("daemonset", "istio-cni-node", "istio-system") as DaemonSet;
            expect(found.status.numberReady).toBe(found.status.desiredNumberScheduled);
            return found;
        }, 60);
        const nodes = getJson<{ items: unknown[] }>(["nodes"]).items.length;
        expect(daemonSet.status.desiredNumberScheduled).toBe(nodes);
        expect(daemonSet.spec.template.spec.containers[0].image).toBe(`docker.io/istio/install-cni:${version}`);

        const injector = find("configmap", `istio-sidecar-injector-${revision}`, "istio-system") as KubeObject & { data: { values: string } };
        expect((JSON.parse(injector.data.values) as { pilot?: { cni?: { enabled?: boolean } } }).pilot?.cni?.enabled).toBe(true);
        const cniConfig = find("configmap", "istio-cni-config", "istio-system") as KubeObject & { data: Record<string, string> };
        expect(cniConfig.data).toMatchObject({ REPAIR_LABEL_PODS: "true", REPAIR_REPAIR_PODS: "false", CHAINED_CNI_PLUGIN: "true" });
    });
});
