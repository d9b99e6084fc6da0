/**
 * The ambient upgrade runbook of the README, step by step on the real engine: istiod by canary revision, the Gateway
 * API CRDs with the newest revision (before its istiod), and the node agents (CNI agent, ztunnel) in place only when
 * the default tag moves, after its istiod exists. Each step's preview shows what the README says it shows, then the
 * step is applied.
 *
 * Needs the charts of both versions in ISTIO_CHARTS_DIR (with `{version}` in the path) and Go for the Gateway API
 * module.
 */
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { parseIstioVersion } from "../../components/config/istioVersion";
import { gatewayApiVersionFor } from "../../components/gatewayapi/versions";
import { eventually, find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { gatewayApiManifest, goAvailable } from "./gatewayApiManifests";
import { changes, clusterEnv, E2eWorkspace, Step } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const from = process.env.ISTIO_E2E_FROM_VERSION ?? "1.29.6";
const to = process.env.ISTIO_E2E_VERSION ?? "1.30.3";
const [oldRevision, newRevision] = [from, to].map((version) => version.replace(/[^a-z0-9]+/g, "-"));
const [oldCrds, newCrds] = [from, to].map((version) => gatewayApiVersionFor(parseIstioVersion(version)!).text);
const runnable = chartsDirectory?.includes("{version}") && kubeconfig && goAvailable();
const suite = runnable ? describe : describe.skip;

if (!runnable) {
    console.log(`ambient upgrade suite skipped: it needs ${CHARTS_DIRECTORY_ENV} with {version} in the path (charts of ${from} and ${to}), KUBECONFIG and go`);
}

const NAMESPACE = "e2e-ambient-canary";

function config(istio: Record<string, unknown>, newest: string, tag?: string): Record<string, unknown> {
    return {
        istio,
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        webhooks: { validationFailurePolicy: "Ignore" },
        dataPlane: { mode: "ambient", ztunnel: { resources: { requests: { cpu: "10m", memory: "32Mi" } } } },
        // What the official release manifest of the newest revision's Gateway API version holds.
        gatewayApi: { manifest: gatewayApiManifest(gatewayApiVersionFor(parseIstioVersion(newest)!).text) },
        namespaces: [{ name: NAMESPACE, waypoint: {}, ...(tag ? { tag } : {}) }],
        cluster: { kubeconfig },
    };
}

const both = { revisions: [{ version: from }, { version: to }] };

/** What a preview changes, as "op name" lines (the dynamic provider's configuration update left out, as in canary.e2e). */
function summary(steps: readonly Step[]): string[] {
    return changes(steps)
        .filter((step) => step.type !== "pulumi:providers:pulumi-nodejs")
        .map((step) => `${step.op} ${step.name}`);
}

const NODE_AGENTS = /^\w+ mesh-(cni|ztunnel)\b/;

type DaemonSet = KubeObject & {
    status: { desiredNumberScheduled: number; numberReady: number; updatedNumberScheduled?: number };
    spec: { template: { spec: { containers: { image: string; env?: { name: string; value?: string }[] }[] } } };
};

/** The node agents' images and ztunnel's istiod, once every node runs the DaemonSet's current pod. */
async function nodeAgents(): Promise<{ cni: string; ztunnel: string; xds?: string }> {
    const nodes = getJson<{ items: unknown[] }>(["nodes"]).items.length;
    return eventually(() => {
        const [cni, ztunnel] = ["istio-cni-node", "ztunnel"].map((name) => find("daemonset", name, "istio-system") as DaemonSet);
        for (const daemonSet of [cni, ztunnel]) {
            expect([daemonSet.metadata.name, daemonSet.status.numberReady, daemonSet.status.updatedNumberScheduled]).toEqual([daemonSet.metadata.name, nodes, nodes]);
        }
        const container = ztunnel.spec.template.spec.containers[0];
        return {
            cni: cni.spec.template.spec.containers[0].image,
            ztunnel: container.image,
            xds: container.env?.find((entry) => entry.name === "XDS_ADDRESS")?.value,
        };
    }, 120);
}

function bundleVersions(): string[] {
    const crds = getJson<{ items: (KubeObject & { metadata: { annotations?: Record<string, string> } })[] }>(["crd"]).items;
    return [
        ...new Set(
            crds.filter((crd) => crd.metadata.name.endsWith(".gateway.networking.k8s.io")).map((crd) => crd.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"] ?? "none"),
        ),
    ];
}

suite(`ambient upgrade ${from} -> ${to}`, () => {
    jest.setTimeout(20 * 60 * 1000);
    const workspace = new E2eWorkspace("ambient-canary", clusterEnv());

    afterAll(() => workspace.discard());

    async function step(mesh: Record<string, unknown>): Promise<string[]> {
        workspace.configure(mesh);
        const planned = summary(await workspace.preview());
        console.log(`preview:\n  ${planned.join("\n  ")}`);
        const { result } = await workspace.up();
        expect(result.summary.result).toBe("succeeded");
        return planned;
    }

    test(`1. start on ${from} in ambient mode (Gateway API ${oldCrds})`, async () => {
        await step(config({ version: from }, from));
        expect(await nodeAgents()).toEqual({
            cni: expect.stringContaining(`install-cni:${from}`),
            ztunnel: `docker.io/istio/ztunnel:${from}`,
            xds: `istiod-${oldRevision}.istio-system.svc:15012`,
        });
        expect(bundleVersions()).toEqual([oldCrds]);
    });

    test(`2. add the canary revision: a new istiod, the Gateway API CRDs to ${newCrds}; the node agents do not change`, async () => {
        const planned = await step(config({ ...both, tags: { default: oldRevision, canary: newRevision } }, to));
        expect(planned.filter((line) => NODE_AGENTS.test(line))).toEqual([]);
        expect(planned.filter((line) => line.includes(oldRevision))).toEqual([]);
        expect(planned.filter((line) => !line.startsWith("create ") && !line.startsWith("update "))).toEqual([]);
        expect(planned).toEqual(expect.arrayContaining([`create mesh-istiod-${newRevision}`, "create mesh-istiod:istio-revision-tag-canary"]));
        expect(planned.filter((line) => line.startsWith("update mesh-gateway-api") && line.includes("gateways.gateway.networking.k8s.io"))).toHaveLength(1);
        expect(bundleVersions()).toEqual([newCrds]);
        expect((await nodeAgents()).ztunnel).toBe(`docker.io/istio/ztunnel:${from}`);
    });

    test("3. the namespace's waypoint tries the canary: only the waypoint's revision label changes", async () => {
        const planned = await step(config({ ...both, tags: { default: oldRevision, canary: newRevision } }, to, "canary"));
        expect(planned).toEqual([`update mesh-waypoint-${NAMESPACE}`]);
        const waypoint = find("gateways.gateway.networking.k8s.io", "waypoint", NAMESPACE);
        expect(waypoint?.metadata.labels?.["istio.io/rev"]).toBe("canary");
        expect(find("namespace", NAMESPACE)?.metadata.labels?.["istio.io/rev"]).toBeUndefined();
    });

    test(`4. move the default tag: the CNI agent and ztunnel move to ${to} in place, after its istiod`, async () => {
        const planned = await step(config({ ...both, tags: { default: newRevision, canary: newRevision } }, to, "canary"));
        expect(planned).toEqual(
            expect.arrayContaining([
                "update mesh-istiod:istio-revision-tag-default",
                "update mesh-cni:istio-system/istio-cni-node",
                "update mesh-ztunnel:istio-system/ztunnel",
            ]),
        );
        // In place: neither DaemonSet is deleted or replaced.
        expect(planned.filter((line) => /istio-cni-node$|\/ztunnel$/.test(line) && !line.startsWith("update "))).toEqual([]);
        expect(await nodeAgents()).toEqual({
            cni: expect.stringContaining(`install-cni:${to}`),
            ztunnel: `docker.io/istio/ztunnel:${to}`,
            xds: `istiod-${newRevision}.istio-system.svc:15012`,
        });
    });

    test("5. remove the old revision: only its objects are deleted", async () => {
        const planned = await step(config({ revisions: [{ version: to }], tags: { default: newRevision, canary: newRevision } }, to, "canary"));
        const deleted = planned.filter((line) => line.startsWith("delete "));
        expect(planned.filter((line) => !line.startsWith("delete ") && !line.startsWith("update "))).toEqual([]);
        expect(planned.filter((line) => NODE_AGENTS.test(line))).toEqual([]);
        expect(deleted.length).toBeGreaterThan(10);
        expect(deleted.filter((line) => !line.includes(oldRevision))).toEqual([]);
        expect(kubectl(["get", "deployment", "-n", "istio-system", "-o", "name"]).trim()).toBe(`deployment.apps/istiod-${newRevision}`);
    });
});
