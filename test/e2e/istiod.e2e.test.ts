/**
 * The real istiod serving the stack on the local cluster: the stack installs with validation failing closed (the
 * default failure policy, Fail), scripts/istiod.sh runs pilot-discovery for the revision as the chart's Deployment
 * would run it, and the API server reaches its webhooks through the cluster network (a Service's cluster IP,
 * forwarded by scripts/tools/clusternet to the registered local process). Then: the plug-in CA is loaded, pods are
 * injected (init and CNI interception), invalid Istio resources are rejected, istiod's webhook patches do not show as
 * drift, injected gateways come up, istioctl analyze is clean, and the verify command passes, then names the
 * unreachable webhook once istiod is gone.
 *
 * Run with `bash scripts/e2e.sh test/e2e/istiod.e2e.test.ts`. It needs Istio's charts (ISTIO_CHARTS_DIR) and istiod
 * and istioctl built by scripts/tools/istio.sh; the stack installs the release those were built for (or
 * ISTIO_E2E_VERSION, which must be the same), since the injector templates come from the charts and istiod renders
 * them.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseMeshConfig } from "../../components/config/load";
import { CheckResult } from "../../components/verify/checks";
import { verifyCluster } from "../../components/verify/cluster";
import { eventually, find, getJson, kubectl, kubectlError, KubeObject } from "../../components/verify/kubectl";
import { certificatesIn } from "../../components/verify/x509";
import { discardServedStack, istiod as localIstiod, localIstiodSuite, upWhileIstiodStarts } from "./localIstiod";
import { since, stepTimer } from "./timings";
import { clusterEnv, E2eWorkspace, PROJECT_ROOT } from "./workspace";

const kubeconfig = process.env.KUBECONFIG;
const BIN = path.join(PROJECT_ROOT, ".local", "bin");
// The cluster network's backends of the local cluster (scripts/cluster.sh; MESH_CLUSTER names another).
const REGISTRY = path.join(PROJECT_ROOT, ".local", process.env.MESH_CLUSTER ?? "cluster", "run", "backends.json");

const { version, revision, skipReason } = localIstiodSuite("istiod end-to-end suite");
const suite = skipReason === undefined ? describe : describe.skip;

const NAMESPACE = "e2e-istiod-shop";
const CANARY_NAMESPACE = "e2e-istiod-canary";
const INGRESS = { name: "istio-ingressgateway", kind: "ingress", serviceType: "ClusterIP" };
const EGRESS = { name: "istio-egressgateway", kind: "egress" };

function meshConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio: { version },
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        meshConfig: { trustDomain: "istiod.e2e.example.com" },
        // Validation fails closed, as the stack installs it by default: nothing here sets webhooks.validationFailurePolicy.
        cluster: { kubeconfig },
        ...overrides,
    };
}

const FULL = { namespaces: [{ name: NAMESPACE }], gateways: [INGRESS, EGRESS] };

/** Istio's documented invalid resource: a Gateway without servers (only istiod's validation rejects it). */
const INVALID_GATEWAY = {
    apiVersion: "networking.istio.io/v1",
    kind: "Gateway",
    metadata: { name: "e2e-invalid", namespace: NAMESPACE },
    spec: { selector: { istio: "ingressgateway" } },
};

interface Container {
    readonly name: string;
    readonly image?: string;
    readonly args?: string[];
    readonly restartPolicy?: string;
}

interface Pod extends KubeObject {
    readonly metadata: KubeObject["metadata"] & { annotations?: Record<string, string> };
    readonly spec: { containers: Container[]; initContainers?: Container[] };
}

type Webhook = { name: string; failurePolicy: string; clientConfig: { caBundle?: string; service?: { name: string } } };

/** Creates an object with a server-side dry run: the API server runs admission (the webhooks) and stores nothing. */
function dryRun(object: object): { object?: KubeObject; error?: string } {
    try {
        return { object: JSON.parse(kubectl(["create", "--dry-run=server", "-o", "json", "-f", "-"], JSON.stringify(object))) as KubeObject };
    } catch (error) {
        return { error: kubectlError(error) };
    }
}

function dryRunPod(name: string): Pod {
    const outcome = dryRun({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: NAMESPACE },
        spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
    });
    if (outcome.error !== undefined) {
        throw new Error(`the dry-run pod was refused: ${outcome.error}`);
    }
    return outcome.object as Pod;
}

/** scripts/istiod.sh for one revision (the suite's by default); null: every istiod it started (`stop` only). */
function istiod(command: "start" | "stop", which: string | null = revision): string {
    return localIstiod(command, which);
}

function rootCertificatePem(): string {
    const secret = getJson(["secret", "cacerts", "-n", "istio-system"]) as KubeObject & { data: Record<string, string> };
    return Buffer.from(secret.data["root-cert.pem"], "base64").toString("utf8");
}

function fingerprints(pem: string): string[] {
    return certificatesIn(pem).map((certificate) => certificate.fingerprint256);
}

function revisionWebhooks(): { kind: string; name: string; webhooks: Webhook[] }[] {
    return ["mutatingwebhookconfiguration", "validatingwebhookconfiguration"].flatMap((kind) =>
        getJson<{ items: (KubeObject & { webhooks: Webhook[] })[] }>([kind, "-l", `istio.io/rev=${revision}`]).items.map((item) => ({
            kind,
            name: item.metadata.name,
            webhooks: item.webhooks,
        })),
    );
}

/** The checks of the cacerts chain (caChain), apart from those of the control plane and webhooks. */
function isCaCheck(result: CheckResult): boolean {
    return /^the (intermediate|root|plug-in CA)\b/.test(result.check);
}

function summary(results: readonly CheckResult[]): string[] {
    return results.map((result) => `${result.status} ${result.check}: ${result.detail}`);
}

suite(`the real istiod ${version} serving the stack`, () => {
    jest.setTimeout(15 * 60 * 1000);
    const workspace = new E2eWorkspace("istiod", clusterEnv());
    const timings: Record<string, number> = {};
    let mesh = meshConfig();

    function configure(next: Record<string, unknown>): void {
        mesh = next;
        workspace.configure(mesh);
    }

    const timed = stepTimer(timings);

    afterAll(async () => {
        await discardServedStack(workspace);
        console.log(`timings (s): ${JSON.stringify(timings, undefined, 2)}`);
    });

    test("without istiod, the first up stops at the readiness gate: the injector does not answer", async () => {
        // The shortest wait the gate takes: nothing would answer within any timeout here.
        configure(meshConfig({ readiness: { timeoutSeconds: 10 } }));
        await expect(timed("up without istiod (fails)", () => workspace.up())).rejects.toThrow(
            new RegExp(
                `mesh-ready[\\s\\S]*istiod does not serve after 10 s: namespace default is injected by ${revision}: the dry-run pod was refused:[\\s\\S]*` +
                    `failed calling webhook "rev\\.object\\.sidecar-injector\\.istio\\.io"[\\s\\S]*no backend registered for istio-system/istiod-${revision}`,
            ),
        );
        // Nothing that needs istiod was applied.
        expect(find("peerauthentication", "default", "istio-system")).toBeUndefined();
        // Everything istiod reads is there.
        for (const name of [`istio-${revision}`, `istio-sidecar-injector-${revision}`]) {
            expect(find("configmap", name, "istio-system")).toBeDefined();
        }
        const start = Date.now();
        const refused = dryRun({ ...INVALID_GATEWAY, metadata: { ...INVALID_GATEWAY.metadata, namespace: "istio-system" } });
        timings["webhook call refused by the cluster network"] = since(start);
        expect(refused.error).toMatch(/failed calling webhook "validation\.istio\.io"/);
        expect(timings["webhook call refused by the cluster network"]).toBeLessThan(2);
    });

    test("istiod starts for the revision, is registered behind its Services, and patches its webhooks", async () => {
        await timed("istiod.sh start", () => istiod("start"));
        const registry = JSON.parse(fs.readFileSync(REGISTRY, "utf8")) as Record<string, string>;
        for (const port of [15010, 15012, 15014, 15017]) {
            expect(registry[`istio-system/istiod-${revision}:${port}`]).toMatch(/^127\.0\.0\.1:\d+$/);
        }
        const root = fingerprints(rootCertificatePem());
        const webhooks = revisionWebhooks();
        expect(webhooks.map((configuration) => configuration.name).sort()).toEqual(
            [`istio-revision-tag-default`, `istio-sidecar-injector-${revision}`, `istio-validator-${revision}-istio-system`, "istiod-default-validator"].sort(),
        );
        for (const configuration of webhooks) {
            for (const webhook of configuration.webhooks) {
                // The caBundle istiod writes is the plug-in CA's root.
                expect([configuration.name, webhook.name, fingerprints(Buffer.from(webhook.clientConfig.caBundle ?? "", "base64").toString("utf8"))]).toEqual([
                    configuration.name,
                    webhook.name,
                    root,
                ]);
                expect([configuration.name, webhook.name, webhook.failurePolicy]).toEqual([configuration.name, webhook.name, "Fail"]);
            }
        }
    });

    test("with istiod serving, the full configuration applies: the enrolled namespace and both gateways", async () => {
        configure(meshConfig(FULL));
        const { result } = await timed("up with istiod", () => workspace.up());
        expect(result.summary.result).toBe("succeeded");
    });

    test("(a) istiod loaded the plug-in CA: istio-ca-root-cert in the enrolled namespace holds cacerts' root", async () => {
        const root = rootCertificatePem();
        const start = Date.now();
        const configMap = await eventually(() => {
            const found = find("configmap", "istio-ca-root-cert", NAMESPACE) as (KubeObject & { data: Record<string, string> }) | undefined;
            if (found === undefined) {
                throw new Error(`no istio-ca-root-cert in ${NAMESPACE}`);
            }
            return found;
        }, 60);
        timings["istio-ca-root-cert present"] = since(start);
        expect(fingerprints(configMap.data["root-cert.pem"])).toEqual(fingerprints(root));
        expect(configMap.data["root-cert.pem"].trim()).toBe(root.trim());
    });

    test("(b) a dry-run pod is injected by the revision: istio-proxy as a native sidecar, istio-init redirecting", () => {
        const start = Date.now();
        const pod = dryRunPod("e2e-injected");
        timings["dry-run pod injected"] = since(start);
        const init = pod.spec.initContainers ?? [];
        expect(init.map((container) => [container.name, container.restartPolicy ?? null])).toEqual([
            ["istio-init", null],
            ["istio-proxy", "Always"],
        ]);
        expect(pod.spec.containers.map((container) => container.name)).toEqual(["app"]);
        expect(init[0].args?.[0]).toBe("istio-iptables");
        expect(init[1].image).toBe(`docker.io/istio/proxyv2:${version}`);
        expect(JSON.parse(pod.metadata.annotations?.["sidecar.istio.io/status"] ?? "{}")).toMatchObject({
            initContainers: ["istio-init", "istio-proxy"],
            revision,
        });
    });

    test("(c) the validating webhook rejects an invalid Istio resource, and admits a valid one", () => {
        const start = Date.now();
        const rejected = dryRun(INVALID_GATEWAY);
        timings["invalid Gateway rejected"] = since(start);
        expect(rejected.object).toBeUndefined();
        expect(rejected.error).toMatch(
            /admission webhook "(rev\.)?validation\.istio\.io" denied the request: configuration is invalid: gateway must have at least one server/,
        );
        const valid = dryRun({
            ...INVALID_GATEWAY,
            metadata: { ...INVALID_GATEWAY.metadata, name: "e2e-valid" },
            spec: { ...INVALID_GATEWAY.spec, servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }] },
        });
        expect(valid.error).toBeUndefined();
    });

    test("(d) after istiod patched its webhooks (caBundle, failurePolicy), a refreshing preview shows no change", async () => {
        const managers = revisionWebhooks().map(({ kind, name }) =>
            ((getJson([kind, name, "--show-managed-fields"]).metadata as { managedFields?: { manager: string }[] }).managedFields ?? []).map(
                (field) => field.manager,
            ),
        );
        // istiod wrote into every one of them.
        for (const names of managers) {
            expect(names).toContain("pilot-discovery");
        }
        const steps = await timed("preview --refresh", () => workspace.preview({ refresh: true }));
        // A refreshing preview reports a "refresh" step per resource besides its "same" step; drift would show as a
        // refresh with diffs, or as an update.
        const drift = steps.filter((step) => !["same", "read"].includes(step.op) && !(step.op === "refresh" && step.diffs.length === 0));
        expect(drift).toEqual([]);
        expect(steps.filter((step) => step.op === "same").length).toBeGreaterThan(50);
    });

    test("(e) the ingress and egress gateways are injected by the real injector and become ready", async () => {
        const start = Date.now();
        for (const [namespace, name] of [
            ["istio-ingress", INGRESS.name],
            ["istio-egress", EGRESS.name],
        ]) {
            await eventually(() => {
                const deployment = getJson(["deployment", name, "-n", namespace]) as KubeObject & {
                    spec: { replicas: number };
                    status: { readyReplicas?: number };
                };
                expect(deployment.status.readyReplicas).toBe(deployment.spec.replicas);
            }, 120);
            const pods = getJson<{ items: Pod[] }>(["pods", "-n", namespace, "-l", `app=${name}`]).items;
            expect(pods.length).toBeGreaterThan(0);
            for (const pod of pods) {
                // The chart's `image: auto` is replaced by the gateway injection template's proxy image.
                expect(pod.spec.containers.map((container) => [container.name, container.image])).toEqual([
                    ["istio-proxy", `docker.io/istio/proxyv2:${version}`],
                ]);
                expect(JSON.parse(pod.metadata.annotations?.["sidecar.istio.io/status"] ?? "{}")).toMatchObject({ revision });
            }
        }
        timings["gateways ready"] = since(start);
    });

    test("(f) istioctl analyze reports no error in the enrolled namespace and the gateways' namespaces", () => {
        for (const namespace of [NAMESPACE, "istio-ingress", "istio-egress"]) {
            // --revision: istioctl analyzes revision `default` otherwise, and then finds no injector for the gateways'
            // `image: auto` (IST0146), since a revisioned install has no webhook labeled istio.io/rev=default.
            const output = execFileSync(
                path.join(BIN, "istioctl"),
                ["analyze", "-n", namespace, "--revision", revision, "--kubeconfig", kubeconfig ?? ""],
                { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
            );
            expect([namespace, output.split("\n").filter((line) => /^(Error|Warning)/.test(line))]).toEqual([namespace, []]);
        }
    });

    test("(g) verify: istiod ready, validation answering, the enrolled namespace injected", () => {
        const settings = parseMeshConfig(mesh, {}, workspace.stackName);
        const results = verifyCluster(settings).filter((result) => !isCaCheck(result));
        expect(summary(results)).toEqual([
            `ok istiod ${revision} is ready: 1/1 pods ready`,
            "ok the validation webhook answers: an invalid resource was rejected by istiod",
            `ok namespace ${NAMESPACE} is injected by ${revision}: istio-proxy (native sidecar) and istio-init added`,
        ]);
    });

    test("(g) verify: the CA chain checks pass", () => {
        const settings = parseMeshConfig(mesh, {}, workspace.stackName);
        const results = verifyCluster(settings).filter(isCaCheck);
        expect(results.length).toBe(4);
        expect(summary(results.filter((result) => result.status !== "ok"))).toEqual([]);
    });

    test("(g) verify with istiod stopped: the validation check fails, naming the unreachable webhook", () => {
        istiod("stop");
        try {
            const settings = parseMeshConfig(mesh, {}, workspace.stackName);
            const results = verifyCluster(settings);
            const validation = results.find((result) => result.check === "the validation webhook answers");
            expect(validation?.status).toBe("fail");
            expect(validation?.detail).toMatch(
                new RegExp(
                    `^the API server cannot reach istiod's webhook: .*failed calling webhook "validation\\.istio\\.io".*istiod-${revision}\\.istio-system\\.svc:443/validate.*no backend registered for istio-system/istiod-${revision}:15017`,
                ),
            );
            // Injection fails closed too: the pod is refused, not created without a proxy.
            const injection = results.find((result) => result.check === `namespace ${NAMESPACE} is injected by ${revision}`);
            expect(injection?.status).toBe("fail");
            expect(injection?.detail).toMatch(/^the dry-run pod was refused: .*failed calling webhook ".*sidecar-injector\.istio\.io"/);
        } finally {
            istiod("start");
        }
    });

    test("(b) interception switched to CNI: istiod follows the injector ConfigMap, pods get istio-validation", async () => {
        configure(meshConfig({ ...FULL, interception: { mode: "cni" } }));
        const { result } = await timed("up to CNI interception", () => workspace.up());
        expect(result.summary.result).toBe("succeeded");
        // No restart: istiod watches istio-sidecar-injector-<rev> as in its pod.
        const start = Date.now();
        const pod = await eventually(() => {
            const injected = dryRunPod("e2e-cni");
            expect((injected.spec.initContainers ?? []).map((container) => container.name)).toEqual(["istio-validation", "istio-proxy"]);
            return injected;
        }, 60);
        timings["injector followed the CNI change"] = since(start);
        const validation = (pod.spec.initContainers ?? [])[0];
        expect(validation.args).toEqual(expect.arrayContaining(["istio-iptables", "--run-validation", "--skip-rule-apply"]));
        const settings = parseMeshConfig(mesh, {}, workspace.stackName);
        const injection = verifyCluster(settings).find((result) => result.check === `namespace ${NAMESPACE} is injected by ${revision}`);
        expect(injection).toEqual({
            check: `namespace ${NAMESPACE} is injected by ${revision}`,
            status: "ok",
            detail: "istio-proxy (native sidecar) and istio-validation added",
        });
    });

    test("two revisions side by side: a canary istiod on its own ports serves its own namespace", async () => {
        configure(
            meshConfig({
                ...FULL,
                interception: { mode: "cni" },
                istio: { revisions: [{ version }, { version, name: "canary" }], tags: { default: revision } },
                namespaces: [{ name: NAMESPACE }, { name: CANARY_NAMESPACE, revision: "canary" }],
            }),
        );
        // The readiness gate waits for the canary's injector too: its istiod starts when the up reaches the gate.
        const result = await timed("up with a canary revision, its istiod started at the gate", () => upWhileIstiodStarts(workspace, "canary"));
        expect(result.summary.result).toBe("succeeded");

        const registry = JSON.parse(fs.readFileSync(REGISTRY, "utf8")) as Record<string, string>;
        const webhookPorts = [`istio-system/istiod-${revision}:15017`, "istio-system/istiod-canary:15017"].map((key) => registry[key]);
        expect(webhookPorts.every((address) => /^127\.0\.0\.1:\d+$/.test(address ?? ""))).toBe(true);
        expect(new Set(webhookPorts).size).toBe(2);

        const canaryPod = dryRun({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "e2e-canary", namespace: CANARY_NAMESPACE },
            spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
        }).object as Pod;
        expect(JSON.parse(canaryPod.metadata.annotations?.["sidecar.istio.io/status"] ?? "{}")).toMatchObject({ revision: "canary" });

        const settings = parseMeshConfig(mesh, {}, workspace.stackName);
        // The Deployments are Ready anyway (kwok); that the processes answer shows in validation and injection.
        expect(summary(verifyCluster(settings).filter((result) => !isCaCheck(result)))).toEqual([
            `ok istiod ${revision} is ready: 1/1 pods ready`,
            "ok istiod canary is ready: 1/1 pods ready",
            "ok the validation webhook answers: an invalid resource was rejected by istiod",
            `ok namespace ${NAMESPACE} is injected by ${revision}: istio-proxy (native sidecar) and istio-validation added`,
            `ok namespace ${CANARY_NAMESPACE} is injected by canary: istio-proxy (native sidecar) and istio-validation added`,
        ]);
    });
});
