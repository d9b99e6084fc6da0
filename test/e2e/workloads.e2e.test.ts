/**
 * The installed mesh serves workloads, with the real engine, the real istiod and Istio's real agent: on the local
 * cluster (where no container runs) two proxyless gRPC workloads run as processes, each beside its pilot-agent
 * (test/e2e/meshWorkload.ts), registered in the mesh as WorkloadEntries selected by Services, on loopback addresses.
 *
 *   1. identity: each agent gets a workload certificate for its ServiceAccount token (TokenRequest, audience
 *      istio-ca), with the URI SAN spiffe://<trust domain>/ns/<namespace>/sa/<service account>, signed by the stack's
 *      intermediate and chaining to the stack's root (signatures verified);
 *   2. discovery: the client resolves the server by its mesh name through istiod (xds:///) and calls it;
 *   3. STRICT: switching the stack's mtls.mode from PERMISSIVE to STRICT is one change; its up reaches the running
 *      server (same processes), which then refuses plaintext; with Istio's ISTIO_MUTUAL for the host the call is
 *      mutual TLS and the server sees the client's SPIFFE ID;
 *   4. trust domain alias: the client accepts the server's identity under the trust domain and under the alias (the
 *      SANs istiod sends it); an authorization policy naming the client by the trust domain admits it, one naming
 *      another trust domain refuses it, and one naming it by the alias refuses it too (Istio rewrites alias
 *      principals for Envoy, not for proxyless gRPC);
 *   5. rotation: an intermediate re-issued by the stack reaches the running istiod (scripts/istiod.sh refreshes its
 *      cacerts folder as the kubelet would); a new workload certificate chains to the new intermediate, and the
 *      workloads with certificates of the old one still talk to it;
 *   6. verify --traffic, as far as a cluster without kubelets allows: the probe pair it applies is injected by the
 *      real injector, its pods are reported ready (kwok), the call cannot be made (no kubelet to exec in), the
 *      report says so, and the probes are deleted.
 *
 * Run with `bash scripts/e2e.sh test/e2e/workloads.e2e.test.ts`. Needs Istio's charts (ISTIO_CHARTS_DIR), and
 * pilot-discovery, pilot-agent and istioctl built by scripts/tools/istio.sh for the same release; xdsprobe is built
 * here (test/workloads/xdsprobe/build.sh, cached).
 */
import { execFileSync } from "child_process";
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { eventually, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { certificatesIn } from "../../components/verify/x509";
import { Kubectl, kubectlAsync, runTrafficProbe } from "../../components/verify/traffic";
import { PROBE_LABEL } from "../../components/verify/trafficProbe";
import { Answer, freePort, istiodPort, MeshWorkload } from "./meshWorkload";
import { discardServedStack, istiod as localIstiod, localIstiodSuite } from "./localIstiod";
import { since, stepTimer } from "./timings";
import { changes, clusterEnv, E2eWorkspace, PROJECT_ROOT } from "./workspace";

const kubeconfig = process.env.KUBECONFIG;
const ISTIOD_STATE = path.join(PROJECT_ROOT, ".local", `istiod${process.env.MESH_CLUSTER ? `-${process.env.MESH_CLUSTER}` : ""}`);

const { version, revision, skipReason } = localIstiodSuite("workloads end-to-end suite", { binaries: ["pilot-discovery", "pilot-agent", "istioctl"] });
const suite = skipReason === undefined ? describe : describe.skip;

const NAMESPACE = "e2e-workloads";
const TRUST_DOMAIN = "workloads.e2e.example.com";
const ALIAS = "legacy.e2e.example.com";
const SERVER = { name: "probe-server", serviceAccount: "probe-server", ip: "127.0.10.2" };
const CLIENT = { name: "probe-client", serviceAccount: "probe-client", ip: "127.0.10.3" };
/** The client again, started after the rotation. */
const LATE_CLIENT = { name: "probe-client-late", serviceAccount: "probe-client", ip: "127.0.10.4" };
const SERVICE_PORT = 7070;
const HOST = `${SERVER.name}.${NAMESPACE}.svc.cluster.local`;
const TARGET = `xds:///${HOST}:${SERVICE_PORT}`;
const spiffe = (trustDomain: string, serviceAccount: string): string => `spiffe://${trustDomain}/ns/${NAMESPACE}/sa/${serviceAccount}`;

function meshConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio: { version },
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        meshConfig: { trustDomain: TRUST_DOMAIN, trustDomainAliases: [ALIAS] },
        namespaces: [{ name: NAMESPACE }],
        mtls: { mode: "PERMISSIVE" },
        cluster: { kubeconfig },
        ...overrides,
    };
}

/** scripts/istiod.sh for the suite's revision. */
function istiod(command: "start" | "stop"): string {
    return localIstiod(command, revision);
}

function istiodPid(): number {
    return Number(fs.readFileSync(path.join(ISTIOD_STATE, revision, "pid"), "utf8").trim());
}

function apply(objects: readonly object[]): void {
    kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
}

function cacerts(): Record<string, string> {
    const secret = getJson(["secret", "cacerts", "-n", "istio-system"]) as KubeObject & { data: Record<string, string> };
    return Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));
}

/** The URI SANs of a certificate (Node lists them as "URI:<uri>, DNS:<name>"). */
function uriSans(certificate: X509Certificate): string[] {
    return (certificate.subjectAltName ?? "")
        .split(", ")
        .filter((entry) => entry.startsWith("URI:"))
        .map((entry) => entry.slice("URI:".length));
}

/**
 * A chain check with real signatures: the leaf is signed by `intermediate`'s key and names it as issuer, the
 * intermediate is a CA signed by `root`'s key, the root signs itself, and every certificate is valid now.
 * Returns what failed ([] when the chain holds).
 */
function chainProblems(leaf: X509Certificate, intermediate: X509Certificate, root: X509Certificate, now = new Date()): string[] {
    const problems: string[] = [];
    const valid = (certificate: X509Certificate, what: string) => {
        if (new Date(certificate.validFrom) > now || new Date(certificate.validTo) < now) {
            problems.push(`${what} is not valid now (${certificate.validFrom} to ${certificate.validTo})`);
        }
    };
    if (!leaf.checkIssued(intermediate) || !leaf.verify(intermediate.publicKey)) problems.push("the leaf is not signed by the intermediate");
    if (!intermediate.ca) problems.push("the intermediate is not a CA");
    if (!intermediate.checkIssued(root) || !intermediate.verify(root.publicKey)) problems.push("the intermediate is not signed by the root");
    if (!root.verify(root.publicKey)) problems.push("the root does not sign itself");
    valid(leaf, "the leaf");
    valid(intermediate, "the intermediate");
    valid(root, "the root");
    return problems;
}

/**
 * The certificates after the leaf in the chain the agent wrote, each once, in order: istiod answers a CSR with the
 * leaf, its cert-chain.pem (the intermediate, then the root) and the root again.
 */
function issuers(chain: readonly X509Certificate[]): string[] {
    return [...new Set(chain.map((certificate) => certificate.fingerprint256))];
}

suite(`mesh workloads on the real istiod ${version} and Istio's agent`, () => {
    jest.setTimeout(15 * 60 * 1000);
    const workspace = new E2eWorkspace("workloads", clusterEnv());
    const timings: Record<string, number> = {};
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-workloads-"));
    const workloads: MeshWorkload[] = [];
    let serverPort = 0;
    let server: MeshWorkload;
    let client: MeshWorkload;

    const timed = stepTimer(timings);

    function workload(spec: { name: string; serviceAccount: string; ip: string }): MeshWorkload {
        const created = new MeshWorkload({
            ...spec,
            namespace: NAMESPACE,
            trustDomain: TRUST_DOMAIN,
            revision,
            istiodAddress: istiodPort(revision, 15012),
            dir: path.join(root, spec.name),
        });
        workloads.push(created);
        return created;
    }

    /** Calls until `accept` holds for the answer (xDS updates reach the workloads asynchronously). */
    async function callUntil(what: string, run: () => Promise<Answer>, accept: (answer: Answer) => boolean, seconds = 90): Promise<Answer> {
        const start = Date.now();
        const deadline = start + seconds * 1000;
        let answer = await run();
        while (!accept(answer)) {
            if (Date.now() > deadline) {
                throw new Error(`${what}: still ${JSON.stringify(answer)} after ${seconds}s\nserver:\n${server.logTail("app.log", 15)}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
            answer = await run();
        }
        timings[what] = since(start);
        return answer;
    }

    beforeAll(() => {
        execFileSync("bash", [path.join(PROJECT_ROOT, "test", "workloads", "xdsprobe", "build.sh")], { stdio: "inherit" });
    });

    afterAll(async () => {
        for (const running of workloads) {
            await running.stop();
        }
        await discardServedStack(workspace);
        if (process.env.KEEP_WORKLOAD_FILES === undefined) {
            fs.rmSync(root, { recursive: true, force: true });
        }
        console.log(`timings (s): ${JSON.stringify(timings, undefined, 2)}`);
    });

    test("the stack installs with its istiod running, PERMISSIVE, trust domain with an alias", async () => {
        workspace.configure(meshConfig());
        // Validation fails closed: the first up stops at the first Istio resource until istiod serves.
        await expect(timed("up without istiod (fails)", () => workspace.up())).rejects.toThrow(/failed calling webhook "validation\.istio\.io"/);
        await timed("istiod.sh start", () => istiod("start"));
        const { result } = await timed("up with istiod", () => workspace.up());
        expect(result.summary.result).toBe("succeeded");
    });

    test("the workloads are registered: ServiceAccounts, WorkloadEntries selected by Services", async () => {
        serverPort = await freePort(SERVER.ip);
        const objects: object[] = [];
        for (const spec of [SERVER, CLIENT]) {
            objects.push(
                { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: spec.serviceAccount, namespace: NAMESPACE } },
                {
                    apiVersion: "v1",
                    kind: "Service",
                    metadata: { name: spec.name, namespace: NAMESPACE },
                    spec: {
                        selector: { app: spec.name },
                        ports: [{ name: "grpc", port: SERVICE_PORT, targetPort: spec === SERVER ? serverPort : SERVICE_PORT }],
                    },
                },
                {
                    apiVersion: "networking.istio.io/v1",
                    kind: "WorkloadEntry",
                    metadata: { name: spec.name, namespace: NAMESPACE },
                    spec: { address: spec.ip, labels: { app: spec.name }, serviceAccount: spec.serviceAccount },
                },
            );
        }
        apply(objects);
        // What the agents mount: istiod writes the root into every namespace.
        await eventually(() => getJson(["configmap", "istio-ca-root-cert", "-n", NAMESPACE]), 60);
    });

    test("1. each agent gets a workload certificate: its SPIFFE ID, from the stack's intermediate, chaining to its root", async () => {
        server = workload(SERVER);
        client = workload(CLIENT);
        await timed("agents: certificates issued", () => Promise.all([server.startAgent(), client.startAgent()]));
        const ca = cacerts();
        const [intermediate] = certificatesIn(ca["ca-cert.pem"]);
        const [stackRoot] = certificatesIn(ca["root-cert.pem"]);
        for (const [running, serviceAccount] of [
            [server, SERVER.serviceAccount],
            [client, CLIENT.serviceAccount],
        ] as const) {
            const [leaf, ...chain] = running.certificateChain();
            expect(uriSans(leaf)).toEqual([spiffe(TRUST_DOMAIN, serviceAccount)]);
            expect(leaf.ca).toBe(false);
            expect(issuers(chain)).toEqual([intermediate.fingerprint256, stackRoot.fingerprint256]);
            expect(chainProblems(leaf, intermediate, stackRoot)).toEqual([]);
            // The roots the agent trusts for its peers are the stack's.
            expect(running.roots().map((certificate) => certificate.fingerprint256)).toEqual([stackRoot.fingerprint256]);
            // The check can fail: the leaf is not signed by the root itself.
            expect(leaf.verify(stackRoot.publicKey)).toBe(false);
        }
    });

    test("2. the client resolves the server by its mesh name through istiod and calls it (PERMISSIVE: plaintext for proxyless gRPC)", async () => {
        server.serve(serverPort);
        const answer = await callUntil("first call through xDS", () => client.call(TARGET), (reply) => reply.error === undefined);
        expect(answer).toEqual({ server: SERVER.name, peer: "", security: "insecure" });
        const plaintext = await client.call(`${SERVER.ip}:${serverPort}`, { plaintext: true });
        expect(plaintext).toEqual({ server: SERVER.name, peer: "", security: "insecure" });
    });

    test("3. PERMISSIVE to STRICT is one change; the running server refuses plaintext from then on", async () => {
        const pids = [istiodPid(), server.agentPid, server.appPid, client.agentPid];
        expect(pids.every((pid) => pid !== undefined)).toBe(true);
        workspace.configure(meshConfig({ mtls: { mode: "STRICT" } }));
        const steps = await timed("preview STRICT", () => workspace.preview());
        // Besides the provider of the project's dynamic resources, which Pulumi hands the whole stack configuration
        // (so it changes with any key), the only change is the PeerAuthentication.
        const changed = changes(steps).filter((step) => !step.type.startsWith("pulumi:providers:"));
        expect(changed.map((step) => [step.op, step.type, step.name])).toEqual([["update", "kubernetes:security.istio.io/v1:PeerAuthentication", "mesh-policy-mtls"]]);
        const { result } = await timed("up STRICT", () => workspace.up());
        expect(result.summary.resourceChanges).toEqual(expect.objectContaining({ update: 1 }));
        const refused = await callUntil(
            "STRICT reached the running server",
            () => client.call(`${SERVER.ip}:${serverPort}`, { plaintext: true, timeoutSeconds: 5 }),
            (reply) => reply.error !== undefined,
        );
        expect(refused.code).toBe("Unavailable");
        // Nothing was restarted.
        expect([istiodPid(), server.agentPid, server.appPid, client.agentPid]).toEqual(pids);
    });

    test("3. with ISTIO_MUTUAL for the host, the call is mutual TLS: each side sees the other's SPIFFE ID", async () => {
        apply([
            {
                apiVersion: "networking.istio.io/v1",
                kind: "DestinationRule",
                metadata: { name: SERVER.name, namespace: NAMESPACE },
                spec: { host: HOST, trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } } },
            },
        ]);
        const answer = await callUntil("mTLS call", () => client.call(TARGET), (reply) => reply.error === undefined);
        expect(answer).toEqual({
            server: SERVER.name,
            peer: spiffe(TRUST_DOMAIN, CLIENT.serviceAccount),
            security: "mtls",
            serverIdentity: spiffe(TRUST_DOMAIN, SERVER.serviceAccount),
        });
    });

    test("4. trust domain alias: the client accepts the server under both names; policies name principals by the trust domain", async () => {
        // What istiod sent the client for the server's cluster, as grpc-go logs it: the server's SPIFFE IDs it accepts.
        const accepted = await client.acceptedServerIdentities(TARGET);
        expect([...accepted].sort()).toEqual([spiffe(ALIAS, SERVER.serviceAccount), spiffe(TRUST_DOMAIN, SERVER.serviceAccount)].sort());

        const policy = (principal: string) => ({
            apiVersion: "security.istio.io/v1",
            kind: "AuthorizationPolicy",
            metadata: { name: "probe-server-callers", namespace: NAMESPACE },
            spec: { selector: { matchLabels: { app: SERVER.name } }, action: "ALLOW", rules: [{ from: [{ source: { principals: [principal] } }] }] },
        });
        const principal = (trustDomain: string) => `${trustDomain}/ns/${NAMESPACE}/sa/${CLIENT.serviceAccount}`;
        try {
            apply([policy(principal("elsewhere.e2e.example.com"))]);
            const denied = await callUntil("policy of another trust domain enforced", () => client.call(TARGET), (reply) => reply.error !== undefined);
            expect(denied.code).toBe("PermissionDenied");
            apply([policy(principal(TRUST_DOMAIN))]);
            const admitted = await callUntil("policy naming the trust domain admits", () => client.call(TARGET), (reply) => reply.error === undefined);
            expect(admitted.peer).toBe(spiffe(TRUST_DOMAIN, CLIENT.serviceAccount));
            // Istio's proxyless gRPC authorization (its grpc generator) does not rewrite principals of an alias to the
            // trust domain, as it does for Envoy: a policy naming the client by the alias does not admit it.
            apply([policy(principal(ALIAS))]);
            const alias = await callUntil("policy naming the alias applied", () => client.call(TARGET), (reply) => reply.error !== undefined);
            expect(alias.code).toBe("PermissionDenied");
        } finally {
            kubectl(["delete", "authorizationpolicy", "probe-server-callers", "-n", NAMESPACE, "--ignore-not-found"]);
        }
    });

    test("5. an intermediate re-issued by the stack reaches the running istiod; new certificates chain to it, old ones stay trusted", async () => {
        const before = cacerts();
        const [oldIntermediate] = certificatesIn(before["ca-cert.pem"]);
        const pid = istiodPid();
        const log = path.join(ISTIOD_STATE, revision, "istiod.log");
        const LOADED = /Istiod has detected the newly added intermediate CA/;
        // The log is appended to across runs of istiod: only what follows this offset counts.
        const logBefore = fs.readFileSync(log, "utf8").length;
        // A new key for the intermediate (P-384): the preview shows it re-issued, so the new certificates are told
        // apart from the old ones by their signature, not only by their serial number.
        workspace.configure(meshConfig({ mtls: { mode: "STRICT" }, pki: { ecdsaCurve: "P384" } }));
        const { result } = await timed("up: intermediate re-issued", () => workspace.up());
        expect(result.summary.result).toBe("succeeded");
        const after = cacerts();
        const [newIntermediate] = certificatesIn(after["ca-cert.pem"]);
        const [stackRoot] = certificatesIn(after["root-cert.pem"]);
        expect(newIntermediate.fingerprint256).not.toBe(oldIntermediate.fingerprint256);
        expect(after["root-cert.pem"]).toBe(before["root-cert.pem"]);
        expect(newIntermediate.publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");

        // istiod picked it up from its refreshed cacerts folder, without a restart.
        const start = Date.now();
        await eventually(() => expect(fs.readFileSync(log, "utf8").slice(logBefore)).toMatch(LOADED), 120);
        timings["istiod loaded the new intermediate"] = since(start);
        expect(istiodPid()).toBe(pid);

        const late = workload(LATE_CLIENT);
        await timed("agent after the rotation: certificate issued", () => late.startAgent());
        const [leaf, ...chain] = late.certificateChain();
        expect(uriSans(leaf)).toEqual([spiffe(TRUST_DOMAIN, LATE_CLIENT.serviceAccount)]);
        expect(issuers(chain)).toEqual([newIntermediate.fingerprint256, stackRoot.fingerprint256]);
        expect(chainProblems(leaf, newIntermediate, stackRoot)).toEqual([]);
        expect(leaf.verify(oldIntermediate.publicKey)).toBe(false);

        // The server still holds its certificate of the old intermediate, which the same root still trusts.
        const [serverLeaf, serverIntermediate] = server.certificateChain();
        expect(serverIntermediate.fingerprint256).toBe(oldIntermediate.fingerprint256);
        expect(chainProblems(serverLeaf, oldIntermediate, stackRoot)).toEqual([]);
        // New certificate to old one, and old to old, over mutual TLS.
        for (const caller of [late, client]) {
            const answer = await caller.call(TARGET);
            expect(answer).toEqual({
                server: SERVER.name,
                peer: spiffe(TRUST_DOMAIN, CLIENT.serviceAccount),
                security: "mtls",
                serverIdentity: spiffe(TRUST_DOMAIN, SERVER.serviceAccount),
            });
        }
    });

    test("6. verify --traffic on a cluster where pods never run: injected probes applied, the failed call reported, the probes deleted", async () => {
        type Pod = KubeObject & { spec: { serviceAccountName: string; containers: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] } };
        let applied: Pod[] = [];
        // kubectl as the command uses it, plus a look at the live probe pods just before the call.
        const observed: Kubectl = async (args, options) => {
            if (args[0] === "exec") {
                applied = getJson<{ items: Pod[] }>(["pods", "-n", NAMESPACE, "-l", PROBE_LABEL]).items;
            }
            return kubectlAsync(args, options);
        };
        const run = await timed("verify --traffic", () =>
            runTrafficProbe({ namespace: NAMESPACE, trustDomain: TRUST_DOMAIN, runId: "e2e", readySeconds: 60 }, observed),
        );
        const report = run.results.map((result) => `${result.status} ${result.check}: ${result.detail}`);
        expect(report[0]).toBe(`ok traffic probe pods in ${NAMESPACE} are ready: mesh-verify-client-e2e and mesh-verify-server-e2e`);
        expect(report[1]).toMatch(/^fail the client calls the server through the mesh: kubectl exec mesh-verify-client-e2e: /);
        expect(report[report.length - 1]).toBe(`ok the traffic probes are deleted from ${NAMESPACE}: nothing labeled ${PROBE_LABEL}=e2e is left`);
        // What it applied, as the API server stored it: each pod as its own ServiceAccount, with Istio's sidecar.
        expect(
            applied
                .map((pod) => [pod.metadata.name, pod.spec.serviceAccountName, (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name)])
                .sort(),
        ).toEqual([
            ["mesh-verify-client-e2e", "mesh-verify-client-e2e", ["istio-proxy"]],
            ["mesh-verify-server-e2e", "mesh-verify-server-e2e", ["istio-proxy"]],
        ]);
        expect(kubectl(["get", "pod,service,serviceaccount", "-n", NAMESPACE, "-l", PROBE_LABEL, "-o", "name"]).trim()).toBe("");
    });
});
