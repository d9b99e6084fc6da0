/**
 * Two clusters, one mesh (multi-primary, two networks), by the real engine with Istio's real charts and the real
 * istiod in each cluster (scripts/istiod.sh): a CA stack up first (one root, an intermediate for each cluster), then
 * both cluster stacks with `pki.caStack`, each cluster's reader exported and the other's remote secret declared
 * through a stack reference; then istiod of A lists a Service that exists only in B and the other way round (its
 * /debug/clusterz says synced, /debug/registryz lists the Service), both cacerts chain to the CA stack's one root,
 * verify's multi-cluster checks, second ups without changes, the root's private key in the CA stack's state and in
 * neither cluster's, and B removed from A's stack: its Secret deleted, A's istiod stops reading B and keeps serving.
 *
 * Run with cluster A as the suite's cluster and B named beside it:
 *   MESH_CLUSTER=a MESH_CLUSTER_PORT_OFFSET=600 MESH_E2E_PEER_CLUSTER=b MESH_E2E_PEER_PORT_OFFSET=700 \
 *     ISTIO_CHARTS_DIR=... bash scripts/e2e.sh test/e2e/multicluster.e2e.test.ts
 * (the suite starts B with scripts/cluster.sh when it is not running). It needs istiod built by scripts/tools/istio.sh.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CHARTS_DIRECTORY_ENV, parseMeshConfig } from "../../components/config/load";
import { CheckResult } from "../../components/verify/checks";
import { verifyCluster } from "../../components/verify/cluster";
import { eventually } from "../../components/verify/kubectl";
import { certificatesIn } from "../../components/verify/x509";
import { builtIstioVersion, istiod, istiodAddress, istiodSkipReason } from "./localIstiod";
import { changes, clusterEnv, E2eWorkspace, PROJECT_ROOT, Step } from "./workspace";
import { flattened, keyCount, privateKeyBodies } from "./stateSearch";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const built = builtIstioVersion();
const version = process.env.ISTIO_E2E_VERSION ?? built ?? "";
const revision = version.replace(/[^a-z0-9]+/g, "-");

/** The API server port of a local cluster (scripts/cluster.sh: 16443 plus the port offset). */
function apiServerPort(offset: number): number {
    return 16443 + offset;
}

interface LocalCluster {
    /** The mesh's name for it (multiCluster.clusterName). */
    readonly name: string;
    /** MESH_CLUSTER of scripts/cluster.sh. */
    readonly local: string;
    readonly offset: number;
    readonly kubeconfig: string;
    readonly network: string;
}

function localCluster(name: string, local: string | undefined, offset: string | undefined, network: string): LocalCluster | undefined {
    if (local === undefined || offset === undefined) {
        return undefined;
    }
    return { name, local, offset: Number(offset), kubeconfig: path.join(PROJECT_ROOT, ".local", local, "kubeconfig"), network };
}

const clusterA = localCluster("cluster-a", process.env.MESH_CLUSTER, process.env.MESH_CLUSTER_PORT_OFFSET, "network-a");
const clusterB = localCluster("cluster-b", process.env.MESH_E2E_PEER_CLUSTER, process.env.MESH_E2E_PEER_PORT_OFFSET, "network-b");

const skipReason = !chartsDirectory
    ? `${CHARTS_DIRECTORY_ENV} is not set (Istio's charts are not reachable from here; point it at a local copy)`
    : clusterA === undefined
      ? "MESH_CLUSTER and MESH_CLUSTER_PORT_OFFSET are not set (cluster A)"
      : clusterB === undefined
        ? "MESH_E2E_PEER_CLUSTER and MESH_E2E_PEER_PORT_OFFSET are not set (cluster B, beside A)"
        : istiodSkipReason(version, built);
const suite = skipReason === undefined ? describe : describe.skip;
if (skipReason !== undefined) {
    console.log(`multi-cluster end-to-end suite skipped: ${skipReason}`);
}

/** The Services that exist in one cluster only. */
const ONLY_IN = { "cluster-a": "only-in-a", "cluster-b": "only-in-b" } as const;
const SERVICE_NAMESPACE = "e2e-multicluster";

function kubectlIn(cluster: LocalCluster, args: readonly string[], input?: string): string {
    return execFileSync("kubectl", ["--kubeconfig", cluster.kubeconfig, ...args], {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
        timeout: 60_000,
        maxBuffer: 256 * 1024 * 1024,
    });
}

function jsonIn<T>(cluster: LocalCluster, args: readonly string[]): T {
    return JSON.parse(kubectlIn(cluster, ["get", ...args, "-o", "json"])) as T;
}

/** GET of a local istiod's debug endpoint, on its HTTP port (istiod serves debug to localhost). */
function istiodDebug(cluster: LocalCluster, debugPath: string): string {
    return execFileSync("curl", ["-fsS", "--max-time", "10", `http://${istiodAddress(revision, 8080, cluster.local)}${debugPath}`], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
    });
}

interface ClusterzEntry {
    readonly id: string;
    readonly secretName?: string;
    readonly syncStatus: string;
}

function clusterz(cluster: LocalCluster): ClusterzEntry[] {
    return JSON.parse(istiodDebug(cluster, "/debug/clusterz")) as ClusterzEntry[];
}

interface RegistryService {
    readonly hostname: string;
    readonly clusterVIPs?: { readonly Addresses?: Record<string, string[]> };
}

/** The clusters in which istiod knows the Service (its cluster VIPs by cluster), or undefined when it does not list it. */
function registryClusters(cluster: LocalCluster, hostname: string): string[] | undefined {
    const services = JSON.parse(istiodDebug(cluster, "/debug/registryz")) as RegistryService[];
    const service = services.find((entry) => entry.hostname === hostname);
    return service === undefined ? undefined : Object.keys(service.clusterVIPs?.Addresses ?? {}).sort();
}

function fingerprints(pem: string): string[] {
    return certificatesIn(pem).map((certificate) => certificate.fingerprint256);
}

function cacerts(cluster: LocalCluster): Record<string, string> {
    const secret = jsonIn<{ data: Record<string, string> }>(cluster, ["secret", "cacerts", "-n", "istio-system"]);
    return Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));
}

function summary(results: readonly CheckResult[]): string[] {
    return results.map((result) => `${result.status} ${result.check}: ${result.detail}`);
}

/** The stack's state as `pulumi stack export` writes it: secrets encrypted, or decrypted with `showSecrets`. */
function exportedState(workspace: E2eWorkspace, showSecrets: boolean): string {
    return execFileSync("pulumi", ["stack", "export", ...(showSecrets ? ["--show-secrets"] : []), "--stack", workspace.stackName, "--cwd", workspace.workDir], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 256 * 1024 * 1024,
    });
}

function since(start: number): number {
    return Math.round((Date.now() - start) / 100) / 10;
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/**
 * The steps of a preview that change the cluster or the stack's components, as `op type name`, for an exact
 * comparison. Left out: stack references (read, never created) and the engine's default dynamic provider, which the
 * previews that add or remove a peer list as updated (it holds no object; the intermediate is unchanged).
 */
function described(steps: readonly Step[]): string[] {
    return changes(steps)
        .filter((step) => step.type !== STACK_REFERENCE && step.type !== "pulumi:providers:pulumi-nodejs")
        .map((step) => `${step.op} ${step.type} ${step.name}`)
        .sort();
}

/**
 * The stack references of a preview, as `op name`, sorted: none, since the CA stack and the peers' stacks are read by
 * the engine's function (a stack reference's state would keep every output of the stack it reads).
 */
function references(steps: readonly Step[]): string[] {
    return steps
        .filter((step) => step.type === STACK_REFERENCE)
        .map((step) => `${step.op} ${step.name}`)
        .sort();
}

suite(`two clusters, one mesh: the real istiod ${version} in each`, () => {
    jest.setTimeout(30 * 60 * 1000);
    const a = clusterA!;
    const b = clusterB!;
    // The CA stack: the mesh's one root, an intermediate for each cluster; it touches no cluster.
    const caWorkspace = new E2eWorkspace("mc-ca", { ...clusterEnv(), KUBECONFIG: a.kubeconfig });
    let rootCertificatePem = "";
    let rootKeyBody = "";
    /** Each cluster's intermediate key (its PEM body), as the CA stack issued it. */
    let intermediateKeyBodies: Record<string, string> = {};
    const workspaces = {
        [a.name]: new E2eWorkspace("mc-a", { ...clusterEnv(), KUBECONFIG: a.kubeconfig }),
        [b.name]: new E2eWorkspace("mc-b", { ...clusterEnv(), KUBECONFIG: b.kubeconfig }),
    };
    const meshes: Record<string, Record<string, unknown>> = {};
    const timings: Record<string, number> = {};
    const peerOf = (cluster: LocalCluster) => (cluster === a ? b : a);

    function meshConfig(cluster: LocalCluster, options: { peers: boolean; readinessTimeout?: number }): Record<string, unknown> {
        const peer = peerOf(cluster);
        return {
            istio: { version },
            istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
            meshConfig: { trustDomain: "multicluster.e2e.example.com" },
            cluster: { kubeconfig: cluster.kubeconfig },
            pki: { caStack: `organization/istio-mesh/${caWorkspace.stackName}` },
            multiCluster: {
                meshId: "mesh-e2e",
                clusterName: cluster.name,
                network: cluster.network,
                // The API server as the other cluster's istiod reaches it: the loopback port of scripts/cluster.sh.
                apiServer: `https://127.0.0.1:${apiServerPort(cluster.offset)}`,
                eastWestGateway: {},
                ...(options.peers ? { peers: [{ name: peer.name, stack: `organization/istio-mesh/${workspaces[peer.name].stackName}` }] } : {}),
            },
            ...(options.readinessTimeout !== undefined ? { readiness: { timeoutSeconds: options.readinessTimeout } } : {}),
        };
    }

    /** Writes one configuration key of a stack file (`mesh` or `ca`), keeping its other keys (the encryption salt). */
    function writeConfig(workspace: E2eWorkspace, key: "mesh" | "ca", value: Record<string, unknown>): void {
        const file = path.join(workspace.workDir, `Pulumi.${workspace.stackName}.yaml`);
        const document = fs.existsSync(file) ? ((parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null) ?? {}) : {};
        fs.writeFileSync(file, stringify({ ...document, config: { ...document.config, [`istio-mesh:${key}`]: value } }));
    }

    function configure(cluster: LocalCluster, mesh: Record<string, unknown>): void {
        writeConfig(workspaces[cluster.name], "mesh", mesh);
        meshes[cluster.name] = mesh;
    }

    async function timed<T>(what: string, run: () => Promise<T> | T): Promise<T> {
        const start = Date.now();
        try {
            return await run();
        } finally {
            timings[what] = since(start);
        }
    }

    function verify(cluster: LocalCluster): CheckResult[] {
        const settings = parseMeshConfig(meshes[cluster.name], {}, workspaces[cluster.name].stackName);
        const saved = process.env.KUBECONFIG;
        process.env.KUBECONFIG = cluster.kubeconfig;
        try {
            return verifyCluster(settings, new Date(), { istiodDebug: (_revision, debugPath) => istiodDebug(cluster, debugPath) });
        } finally {
            process.env.KUBECONFIG = saved;
        }
    }

    beforeAll(() => {
        execFileSync("bash", [path.join(PROJECT_ROOT, "scripts", "cluster.sh"), "start"], {
            env: { ...process.env, MESH_CLUSTER: b.local, MESH_CLUSTER_PORT_OFFSET: String(b.offset) },
            stdio: ["ignore", "pipe", "pipe"],
        });
    });

    afterAll(async () => {
        // Istio resources are deleted while istiod answers validation; then istiod stops and Istio's CRDs go.
        for (const cluster of [a, b]) {
            await workspaces[cluster.name].destroy().catch((error) => console.log(`destroy of ${cluster.name} failed: ${error}`));
        }
        await caWorkspace.destroy().catch((error) => console.log(`destroy of the CA stack failed: ${error}`));
        await caWorkspace.remove().catch(() => undefined);
        for (const cluster of [a, b]) {
            try {
                istiod("stop", null, cluster.local);
            } catch (error) {
                console.log(String(error));
            }
            await workspaces[cluster.name].remove().catch(() => undefined);
            kubectlIn(cluster, ["delete", "namespace", SERVICE_NAMESPACE, "--ignore-not-found", "--wait=false"]);
            const crds = kubectlIn(cluster, ["get", "crd", "-o", "name"]).split("\n").filter((name) => name.endsWith(".istio.io"));
            if (crds.length > 0) {
                kubectlIn(cluster, ["delete", "--ignore-not-found", "--wait=true", ...crds]);
            }
        }
        console.log(`timings (s): ${JSON.stringify(timings, undefined, 2)}`);
    });

    test("the CA stack up first: one root and an intermediate for each cluster; its state holds the root's key", async () => {
        writeConfig(caWorkspace, "ca", { clusters: [a, b].map((cluster) => ({ name: cluster.name, istioNamespace: "istio-system" })) });
        const { result } = await timed("CA stack: up", () => caWorkspace.up());
        expect(result.summary.result).toBe("succeeded");
        expect(result.outputs.clusters.value).toEqual([a.name, b.name]);
        expect(result.outputs.clusterIntermediateKeys.secret).toBe(true);
        rootCertificatePem = String(result.outputs.rootCertificatePem.value);
        intermediateKeyBodies = Object.fromEntries(
            Object.entries(result.outputs.clusterIntermediateKeys.value as Record<string, string>).map(([cluster, pem]) => [cluster, privateKeyBodies(JSON.stringify(pem))[0]]),
        );
        expect(certificatesIn(rootCertificatePem)).toHaveLength(1);
        // The root's key, as the CA stack's own state holds it: what neither cluster's state may hold.
        const exported = exportedState(caWorkspace, true);
        const state = JSON.parse(exported) as { deployment: { resources: { type: string; urn: string; outputs?: Record<string, unknown> }[] } };
        const rootKey = state.deployment.resources.find((resource) => resource.type === "tls:index/privateKey:PrivateKey" && resource.urn.endsWith("::ca-root-root"));
        [rootKeyBody] = privateKeyBodies(JSON.stringify(rootKey?.outputs?.privateKeyPem ?? ""));
        expect(rootKeyBody.length).toBeGreaterThan(100);
    });

    test("each cluster's first up stops at the readiness gate (no istiod yet); istiod then starts in each", async () => {
        for (const cluster of [a, b]) {
            configure(cluster, meshConfig(cluster, { peers: false, readinessTimeout: 10 }));
            await expect(timed(`${cluster.name}: first up (stops at the gate)`, () => workspaces[cluster.name].up())).rejects.toThrow(/istiod does not serve after 10 s/);
        }
        for (const cluster of [a, b]) {
            await timed(`${cluster.name}: istiod.sh start`, () => istiod("start", revision, cluster.local));
        }
    });

    test("each stack applies alone: its reader token is filled, its kubeconfig exported as a secret, the network labeled, the east-west gateway up", async () => {
        for (const cluster of [a, b]) {
            configure(cluster, meshConfig(cluster, { peers: false }));
            const { result } = await timed(`${cluster.name}: up without peers`, () => workspaces[cluster.name].up());
            expect(result.summary.result).toBe("succeeded");
            const outputs = result.outputs;
            expect(outputs.clusterName.value).toBe(cluster.name);
            expect(outputs.readerKubeconfig.secret).toBe(true);
            const kubeconfig = JSON.parse(outputs.readerKubeconfig.value as string) as {
                clusters: { name: string; cluster: { server: string } }[];
                users: { user: { token: string } }[];
            };
            expect(kubeconfig.clusters.map((entry) => [entry.name, entry.cluster.server])).toEqual([[cluster.name, `https://127.0.0.1:${apiServerPort(cluster.offset)}`]]);
            // The token is the one the controller manager put into the Secret, and the API server takes it as the reader.
            const filled = jsonIn<{ data: { token: string } }>(cluster, ["secret", "istio-reader-service-account-istio-remote-secret-token", "-n", "istio-system"]).data.token;
            expect(kubeconfig.users[0].user.token).toBe(Buffer.from(filled, "base64").toString("utf8"));
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-reader-"));
            try {
                fs.writeFileSync(path.join(dir, "kubeconfig"), outputs.readerKubeconfig.value as string, { mode: 0o600 });
                const whoami = execFileSync("kubectl", ["--kubeconfig", path.join(dir, "kubeconfig"), "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"], {
                    encoding: "utf8",
                });
                expect(whoami).toBe("system:serviceaccount:istio-system:istio-reader-service-account");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
            // The token is a secret in the state: encrypted in the export, there in the decrypted one.
            const token = kubeconfig.users[0].user.token;
            expect(exportedState(workspaces[cluster.name], false).includes(token)).toBe(false);
            expect(exportedState(workspaces[cluster.name], true).includes(token)).toBe(true);

            const namespace = jsonIn<{ metadata: { labels: Record<string, string> } }>(cluster, ["namespace", "istio-system"]);
            expect(namespace.metadata.labels["topology.istio.io/network"]).toBe(cluster.network);
            const service = jsonIn<{ metadata: { labels: Record<string, string> }; spec: { type: string; ports: { name: string; port: number }[] } }>(cluster, [
                "service", "istio-eastwestgateway", "-n", "istio-eastwest",
            ]);
            expect(service.metadata.labels["topology.istio.io/network"]).toBe(cluster.network);
            expect(service.spec.type).toBe("LoadBalancer");
            expect(service.spec.ports.map((port) => `${port.name}:${port.port}`)).toEqual(["status-port:15021", "tls:15443", "tls-istiod:15012", "tls-webhook:15017"]);
            const gateway = jsonIn<{ spec: { servers: { port: { number: number }; tls: { mode: string } }[] } }>(cluster, [
                "gateways.networking.istio.io", "cross-network-gateway", "-n", "istio-eastwest",
            ]);
            expect(gateway.spec.servers.map((server) => `${server.port.number} ${server.tls.mode}`)).toEqual(["15443 AUTO_PASSTHROUGH"]);
            await eventually(() => {
                const deployment = jsonIn<{ status: { readyReplicas?: number } }>(cluster, ["deployment", "istio-eastwestgateway", "-n", "istio-eastwest"]);
                expect(deployment.status.readyReplicas).toBe(1);
            }, 120);
        }
    });

    test("adding the peer is one change per stack: its remote secret (the peer's kubeconfig read from its stack)", async () => {
        for (const cluster of [a, b]) {
            const peer = peerOf(cluster);
            configure(cluster, meshConfig(cluster, { peers: true }));
            const steps = await timed(`${cluster.name}: preview adding ${peer.name}`, () => workspaces[cluster.name].preview());
            // Applied before the preview is judged, so that a wording of the engine's steps does not stop the suite.
            const { result } = await timed(`${cluster.name}: up adding ${peer.name}`, () => workspaces[cluster.name].up());
            expect(result.summary.result).toBe("succeeded");
            console.log(`${cluster.name}: preview adding ${peer.name}: ${JSON.stringify([...described(steps), ...references(steps)])}`);
            expect(described(steps)).toEqual([`create kubernetes:core/v1:Secret mesh-remote-${peer.name}`, "create mesh:multicluster:RemoteSecrets mesh-remote"].sort());
            expect(references(steps)).toEqual([]);
            const secret = jsonIn<{ metadata: { labels: Record<string, string>; annotations: Record<string, string> }; data: Record<string, string> }>(cluster, [
                "secret", `istio-remote-secret-${peer.name}`, "-n", "istio-system",
            ]);
            expect(secret.metadata.labels["istio/multiCluster"]).toBe("true");
            expect(secret.metadata.annotations["networking.istio.io/cluster"]).toBe(peer.name);
            expect(Object.keys(secret.data)).toEqual([peer.name]);
        }
    });

    test("istiod of A lists a Service that exists only in B, and istiod of B one that exists only in A", async () => {
        for (const cluster of [a, b]) {
            kubectlIn(cluster, ["create", "namespace", SERVICE_NAMESPACE]);
            kubectlIn(
                cluster,
                ["apply", "-f", "-"],
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Service",
                    metadata: { name: ONLY_IN[cluster.name as keyof typeof ONLY_IN], namespace: SERVICE_NAMESPACE },
                    spec: { selector: { app: "nothing" }, ports: [{ name: "http", port: 8080 }] },
                }),
            );
        }
        for (const cluster of [a, b]) {
            const peer = peerOf(cluster);
            const start = Date.now();
            const synced = await eventually(() => {
                const entry = clusterz(cluster).find((found) => found.id === peer.name);
                expect(entry?.syncStatus).toBe("synced");
                return entry!;
            }, 180);
            timings[`${cluster.name}: ${peer.name} synced by istiod`] = since(start);
            expect(synced.secretName).toBe(`istio-system/istio-remote-secret-${peer.name}`);
            const hostname = `${ONLY_IN[peer.name as keyof typeof ONLY_IN]}.${SERVICE_NAMESPACE}.svc.cluster.local`;
            const listed = await eventually(() => {
                const clusters = registryClusters(cluster, hostname);
                expect(clusters).toBeDefined();
                return clusters!;
            }, 60);
            timings[`${cluster.name}: lists ${hostname}`] = since(start);
            // Known from the peer only: the Service exists there and nowhere else.
            expect(listed).toEqual([peer.name]);
        }
    });

    test("both clusters' cacerts chain to the CA stack's one root, and each trusts it", () => {
        const rootFingerprint = fingerprints(rootCertificatePem);
        for (const cluster of [a, b]) {
            const files = cacerts(cluster);
            const [intermediate] = certificatesIn(files["ca-cert.pem"]);
            const [shared] = certificatesIn(rootCertificatePem);
            expect(intermediate.checkIssued(shared) && intermediate.verify(shared.publicKey)).toBe(true);
            expect(fingerprints(files["root-cert.pem"])).toEqual(rootFingerprint);
            expect(intermediate.subject).toContain(cluster.name);
        }
        // Two clusters, two intermediates.
        expect(new Set([a, b].map((cluster) => fingerprints(cacerts(cluster)["ca-cert.pem"])[0])).size).toBe(2);
    });

    test("verify of each cluster: the peer synced, one root, and the east-west gateway without an address here", () => {
        for (const cluster of [a, b]) {
            const peer = peerOf(cluster);
            const results = verify(cluster).filter((result) => /^(cluster |the intermediates of|the east-west gateway|remote secret)/.test(result.check));
            const [shared] = certificatesIn(rootCertificatePem);
            expect(summary(results)).toEqual([
                `ok cluster ${peer.name} is read by istiod: synced by ${revision} (secret istio-system/istio-remote-secret-${peer.name})`,
                `ok the intermediates of ${cluster.name}, ${peer.name} chain to one root: ${shared.subject.replace(/\n/g, ", ")} (SHA-256 ${shared.fingerprint256})`,
                "fail the east-west gateway istio-eastwest/istio-eastwestgateway has an address: none: no load balancer has assigned one (a cluster without a " +
                    "load balancer implementation, such as the local cluster, never does); workloads on other networks cannot reach this cluster's services",
            ]);
        }
    });

    test("second ups change nothing", async () => {
        for (const cluster of [a, b]) {
            const { steps, result } = await timed(`${cluster.name}: second up`, () => workspaces[cluster.name].up());
            expect(result.summary.result).toBe("succeeded");
            expect(described(steps)).toEqual([]);
            expect(references(steps)).toEqual([]);
        }
    });

    test("the root's private key is in the CA stack's state only, and each cluster's state holds its own intermediate's key alone", () => {
        const inCa = keyCount(exportedState(caWorkspace, true), rootKeyBody);
        console.log(`CA stack: the root's private key appears ${JSON.stringify(inCa)} time(s) in the decrypted state`);
        // The positive control: the same search finds the key where it is.
        expect(inCa.decoded).toBeGreaterThan(0);
        expect(inCa.text).toBeGreaterThan(0);
        for (const cluster of [a, b]) {
            const workspace = workspaces[cluster.name];
            const decrypted = exportedState(workspace, true);
            const inCluster = keyCount(decrypted, rootKeyBody);
            // Secrets are shown: the search sees the private keys that are there (the cluster's own intermediate's).
            const keys = privateKeyBodies(decrypted);
            console.log(`${cluster.name}: the root's private key appears ${JSON.stringify(inCluster)} time(s) in the decrypted state; private keys in it: ${keys.length}`);
            expect(keys.length).toBeGreaterThan(0);
            expect(inCluster).toEqual({ decoded: 0, text: 0 });
            expect(flattened(exportedState(workspace, false)).includes(rootKeyBody)).toBe(false);
            // Only its own intermediate's key: the CA stack's outputs, every cluster's key among them, are never kept.
            const other = peerOf(cluster).name;
            const own = keyCount(decrypted, intermediateKeyBodies[cluster.name]);
            const others = keyCount(decrypted, intermediateKeyBodies[other]);
            console.log(`${cluster.name}: its own intermediate's key appears ${JSON.stringify(own)} time(s), ${other}'s ${JSON.stringify(others)}`);
            expect(own.decoded).toBeGreaterThan(0);
            expect(others).toEqual({ decoded: 0, text: 0 });
        }
    });

    test("removing B from A's stack deletes its remote secret; A's istiod stops reading B and keeps serving", async () => {
        configure(a, meshConfig(a, { peers: false }));
        const steps = await timed("cluster-a: preview removing cluster-b", () => workspaces[a.name].preview());
        const { result } = await timed("cluster-a: up removing cluster-b", () => workspaces[a.name].up());
        expect(result.summary.result).toBe("succeeded");
        console.log(`cluster-a: preview removing cluster-b: ${JSON.stringify([...described(steps), ...references(steps)])}`);
        expect(described(steps)).toEqual([`delete kubernetes:core/v1:Secret mesh-remote-${b.name}`, "delete mesh:multicluster:RemoteSecrets mesh-remote"].sort());
        expect(references(steps)).toEqual([]);
        expect(kubectlIn(a, ["get", "secrets", "-n", "istio-system", "-l", "istio/multiCluster=true", "-o", "name"]).trim()).toBe("");
        const start = Date.now();
        await eventually(() => {
            expect(clusterz(a).map((entry) => entry.id)).not.toContain(b.name);
            expect(registryClusters(a, `${ONLY_IN[b.name as keyof typeof ONLY_IN]}.${SERVICE_NAMESPACE}.svc.cluster.local`)).toBeUndefined();
        }, 120);
        timings["cluster-a: cluster-b gone from istiod"] = since(start);
        // A serves on: its own Service, its injector and validation.
        expect(registryClusters(a, `${ONLY_IN[a.name as keyof typeof ONLY_IN]}.${SERVICE_NAMESPACE}.svc.cluster.local`)).toEqual([a.name]);
        const core = verify(a).filter((result) => /^(istiod |the validation webhook)/.test(result.check));
        expect(summary(core)).toEqual([`ok istiod ${revision} is ready: 1/1 pods ready`, "ok the validation webhook answers: an invalid resource was rejected by istiod"]);
        const { steps: again } = await timed("cluster-a: second up after the removal", () => workspaces[a.name].up());
        expect(described(again)).toEqual([]);
    });
});
