/**
 * The ambient upgrade runbook of the README, step by step on the real engine: istiod by canary revision, the Gateway
 * API CRDs with the newest revision (applied before its istiod), and the node agents (CNI agent, ztunnel) in place
 * only when the default tag moves, their changes starting in that up only after the new istiod's Deployment is ready
 * and the default tag points at it (the order the engine reports). Each step's preview shows what the README says it
 * shows, then the step is applied.
 *
 * Needs the charts of both releases in ISTIO_CHARTS_DIR (with `{version}` in the path; see canaryRunbook.ts) and Go
 * for the Gateway API module.
 */
import { parseIstioVersion } from "../../components/config/istioVersion";
import { gatewayApiVersionFor } from "../../components/gatewayapi/versions";
import { eventually, find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { from, istioAt, newRevision, oldRevision, onCanary, RunbookStep, runbookSkipReason, takeStep, to } from "./canaryRunbook";
import { gatewayApiManifest, goAvailable } from "./gatewayApiManifests";
import { clusterEnv, E2eWorkspace, TimelineEntry } from "./workspace";

const [oldCrds, newCrds] = [from, to].map((version) => gatewayApiVersionFor(parseIstioVersion(version)!).text);
const skipReason = runbookSkipReason() ?? (goAvailable() ? undefined : "go is not on PATH (the Gateway API CRDs come from its module)");
const suite = skipReason === undefined ? describe : describe.skip;

if (skipReason !== undefined) {
    console.log(`ambient upgrade suite skipped: ${skipReason}`);
}

const NAMESPACE = "e2e-ambient-canary";

/** The stack file of a runbook step: ambient mode, a namespace with a waypoint, the newest revision's Gateway API CRDs. */
function config(step: RunbookStep): Record<string, unknown> {
    const istio = istioAt(step);
    const newest = step === 1 ? from : to;
    return {
        istio,
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        webhooks: { validationFailurePolicy: "Ignore" },
        // No istiod runs on the local cluster: the readiness gate says it skips its probes, and what waits for istiod
        // waits for its Deployment to be ready.
        readiness: { probe: "skip" },
        dataPlane: { mode: "ambient", ztunnel: { resources: { requests: { cpu: "10m", memory: "32Mi" } } } },
        // What the official release manifest of the newest revision's Gateway API version holds.
        gatewayApi: { manifest: gatewayApiManifest(gatewayApiVersionFor(parseIstioVersion(newest)!).text) },
        namespaces: [{ name: NAMESPACE, waypoint: {}, ...(onCanary(step) ? { tag: "canary" } : {}) }],
        cluster: { kubeconfig: process.env.KUBECONFIG },
    };
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

/** Where in an up's timeline something happened; -1 when it did not. */
function moment(timeline: readonly TimelineEntry[], phase: TimelineEntry["phase"], type: string, name: string): number {
    return timeline.findIndex((entry) => entry.phase === phase && entry.type === type && entry.name === name);
}

/** The node agents' steps that change something, where each started in the up's timeline. */
function nodeAgentChanges(timeline: readonly TimelineEntry[]): number[] {
    return timeline.flatMap((entry, index) => (entry.phase === "start" && entry.op !== "same" && NODE_AGENTS.test(`${entry.op} ${entry.name}`) ? [index] : []));
}

suite(`ambient upgrade ${from} -> ${to}`, () => {
    jest.setTimeout(20 * 60 * 1000);
    const workspace = new E2eWorkspace("ambient-canary", clusterEnv());

    afterAll(() => workspace.discard());

    test(`1. start on ${from} in ambient mode (Gateway API ${oldCrds})`, async () => {
        await takeStep(workspace, config(1));
        expect(await nodeAgents()).toEqual({
            cni: expect.stringContaining(`install-cni:${from}`),
            ztunnel: `docker.io/istio/ztunnel:${from}`,
            xds: `istiod-${oldRevision}.istio-system.svc:15012`,
        });
        expect(bundleVersions()).toEqual([oldCrds]);
    });

    test(`2. add the canary revision: a new istiod, the Gateway API CRDs to ${newCrds}; the node agents do not change`, async () => {
        const { planned, timeline } = await takeStep(workspace, config(2));
        expect(planned.filter((line) => NODE_AGENTS.test(line))).toEqual([]);
        expect(planned.filter((line) => line.includes(oldRevision))).toEqual([]);
        expect(planned.filter((line) => !line.startsWith("create ") && !line.startsWith("update "))).toEqual([]);
        expect(planned).toEqual(expect.arrayContaining([`create mesh-istiod-${newRevision}`, "create mesh-istiod:istio-revision-tag-canary"]));
        // Updated: Istio's CRDs (base chart), the Gateway API CRDs, and the readiness gate (a revision more to wait for).
        expect(planned.filter((line) => line.startsWith("update ") && !/^update (mesh-base:|mesh-gateway-api:|mesh-ready$)/.test(line))).toEqual([]);
        expect(planned.filter((line) => line.startsWith("update mesh-gateway-api") && line.includes("gateways.gateway.networking.k8s.io"))).toHaveLength(1);
        // The Gateway API CRDs are applied before the new istiod.
        const crdsDone = moment(timeline, "done", "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "mesh-gateway-api:gateways.gateway.networking.k8s.io");
        const istiodStarts = moment(timeline, "start", "kubernetes:apps/v1:Deployment", `mesh-istiod:istio-system/istiod-${newRevision}`);
        expect([crdsDone >= 0, istiodStarts > crdsDone]).toEqual([true, true]);
        expect(nodeAgentChanges(timeline)).toEqual([]);
        expect(bundleVersions()).toEqual([newCrds]);
        expect((await nodeAgents()).ztunnel).toBe(`docker.io/istio/ztunnel:${from}`);
    });

    test("3. the namespace's waypoint tries the canary: only the waypoint's revision label changes", async () => {
        const { planned } = await takeStep(workspace, config(3));
        expect(planned).toEqual([`update mesh-waypoint-${NAMESPACE}`]);
        const waypoint = find("gateways.gateway.networking.k8s.io", "waypoint", NAMESPACE);
        expect(waypoint?.metadata.labels?.["istio.io/rev"]).toBe("canary");
        expect(find("namespace", NAMESPACE)?.metadata.labels?.["istio.io/rev"]).toBeUndefined();
    });

    test(`4. move the default tag: the CNI agent and ztunnel move to ${to} in place, after its istiod`, async () => {
        const { planned, timeline } = await takeStep(workspace, config(4));
        expect(planned).toEqual(
            expect.arrayContaining([
                "update mesh-istiod:istio-revision-tag-default",
                "update mesh-cni:istio-system/istio-cni-node",
                "update mesh-ztunnel:istio-system/ztunnel",
            ]),
        );
        // Updates only, in place (neither DaemonSet is deleted or replaced), of the tags' objects and the node agents.
        expect(planned.filter((line) => !line.startsWith("update "))).toEqual([]);
        expect(planned.filter((line) => !/^update (mesh-istiod:|mesh-base:istiod-default-validator$|mesh-cni:|mesh-ztunnel:|mesh-ready$)/.test(line))).toEqual([]);
        // Never before the new istiod: each node agent's change starts once the new istiod's Deployment is ready and
        // the default tag points at it.
        const istiodReady = moment(timeline, "done", "kubernetes:apps/v1:Deployment", `mesh-istiod:istio-system/istiod-${newRevision}`);
        const tagMoved = moment(timeline, "done", "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration", "mesh-istiod:istio-revision-tag-default");
        const agents = nodeAgentChanges(timeline);
        console.log(`order: istiod-${newRevision} ready at ${istiodReady}, default tag moved at ${tagMoved}, node agents' changes start at ${agents.join(", ")}`);
        expect([istiodReady >= 0, tagMoved >= 0, agents.length > 0]).toEqual([true, true, true]);
        expect(agents.filter((index) => index < istiodReady || index < tagMoved)).toEqual([]);
        expect(await nodeAgents()).toEqual({
            cni: expect.stringContaining(`install-cni:${to}`),
            ztunnel: `docker.io/istio/ztunnel:${to}`,
            xds: `istiod-${newRevision}.istio-system.svc:15012`,
        });
    });

    test("5. remove the old revision: only its objects are deleted", async () => {
        const { planned } = await takeStep(workspace, config(5));
        const deleted = planned.filter((line) => line.startsWith("delete "));
        expect(planned.filter((line) => !line.startsWith("delete ") && !line.startsWith("update "))).toEqual([]);
        expect(planned.filter((line) => NODE_AGENTS.test(line))).toEqual([]);
        expect(deleted.length).toBeGreaterThan(10);
        expect(deleted.filter((line) => !line.includes(oldRevision))).toEqual([]);
        expect(kubectl(["get", "deployment", "-n", "istio-system", "-o", "name"]).trim()).toBe(`deployment.apps/istiod-${newRevision}`);
    });
});
