/**
 * Adopting an istioctl install of the same release, on a real API server with the real engine and a real istiod
 * (scripts/istiod.sh): the team's own CA is already in `cacerts`, `istioctl install --revision` runs, istiod serves
 * from that CA. Then `npm run adopt` says the first up is in place, and the up takes every object over without a pod
 * restart (istiod's pod keeps its UID and restart count, its Deployment its pod template), without a moment without
 * an injector (a dry-run pod is injected every second throughout the up), and leaves the existing `cacerts` as it was
 * (`pki.enabled: false`: the stack does not write a CA over the one the workloads trust). A preview then has nothing
 * to do. Then the stack is given the team's root (`pki.roots: [{source: config}]`): it takes the existing `cacerts`
 * over in place, with a new intermediate under that root, and istiod keeps its pod and keeps injecting.
 *
 * Run with `bash scripts/e2e.sh test/e2e/adoption.e2e.test.ts`. It needs Istio's charts of the release istiod and
 * istioctl were built for (scripts/tools/istio.sh) in ISTIO_CHARTS_DIR.
 */
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { certificateBodies } from "../../components/lifecycle/adoption";
import { find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { istioctlFlags, istioctlManifests } from "../../scripts/bench/istioctl";
import { builtIstioVersion, istiod, istiodSkipReason } from "./localIstiod";
import { changes, clusterEnv, deleteIstioCrds, E2eWorkspace, PROJECT_ROOT } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const built = builtIstioVersion();
const version = process.env.ISTIO_E2E_VERSION ?? built ?? "";
const revision = version.replace(/[^a-z0-9]+/g, "-");
const chartsRoot = chartsDirectory?.replace("{version}", version);
const skipReason = !chartsDirectory
    ? `${CHARTS_DIRECTORY_ENV} is not set`
    : !kubeconfig
      ? "KUBECONFIG is not set"
      : (istiodSkipReason(version, built) ?? (!fs.existsSync(chartsRoot!) ? `no charts for ${version} in ${chartsDirectory}` : undefined));
const suite = skipReason === undefined ? describe : describe.skip;
if (skipReason !== undefined) {
    console.log(`adoption end-to-end suite skipped: ${skipReason}`);
}

const ISTIO_NAMESPACE = "istio-system";
const ISTIOCTL = path.join(PROJECT_ROOT, ".local", "bin", "istioctl");

/**
 * The team's own CA, made with openssl as Istio's docs make one: a root, and an intermediate istiod signs with.
 * Returns the files of the cacerts Secret, by key.
 */
function teamCa(dir: string): Record<string, string> {
    const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    fs.writeFileSync(path.join(dir, "ca.ext"), "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature,keyEncipherment\n");
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "root-key.pem", "-out", "root-cert.pem", "-days", "30", "-subj", "/O=Team/CN=Team Root CA"]);
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.csr", "-subj", "/O=Team/CN=Team Intermediate CA"]);
    openssl(["x509", "-req", "-in", "ca.csr", "-CA", "root-cert.pem", "-CAkey", "root-key.pem", "-CAcreateserial", "-out", "ca-cert.pem", "-days", "30", "-extfile", "ca.ext"]);
    const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    fs.writeFileSync(path.join(dir, "cert-chain.pem"), read("ca-cert.pem") + read("root-cert.pem"));
    return Object.fromEntries(["ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"].map((file) => [file, path.join(dir, file)]));
}

interface Snapshot {
    readonly uids: Record<string, string | undefined>;
    readonly template: string;
    readonly pods: { name: string; uid?: string; restarts: number }[];
    readonly cacerts: { resourceVersion?: string; data?: unknown };
}

function snapshot(): Snapshot {
    const uid = (kind: string, name: string, namespace?: string) => find(kind, name, namespace)?.metadata.uid;
    const deployment = getJson<KubeObject & { spec: { template: unknown } }>(["deployment", `istiod-${revision}`, "-n", ISTIO_NAMESPACE]);
    const pods = getJson<{ items: (KubeObject & { status?: { containerStatuses?: { restartCount: number }[] } })[] }>(["pods", "-n", ISTIO_NAMESPACE, "-l", "app=istiod"]).items;
    const cacerts = find("secret", "cacerts", ISTIO_NAMESPACE) as (KubeObject & { metadata: { resourceVersion?: string }; data?: unknown }) | undefined;
    return {
        uids: {
            deployment: deployment.metadata.uid,
            service: uid("service", `istiod-${revision}`, ISTIO_NAMESPACE),
            injector: uid("mutatingwebhookconfiguration", `istio-sidecar-injector-${revision}-${ISTIO_NAMESPACE}`) ?? uid("mutatingwebhookconfiguration", `istio-sidecar-injector-${revision}`),
            configMap: uid("configmap", `istio-${revision}`, ISTIO_NAMESPACE),
            crd: uid("crd", "virtualservices.networking.istio.io"),
            cacerts: cacerts?.metadata.uid,
        },
        template: JSON.stringify(deployment.spec.template),
        pods: pods
            .map((pod) => ({ name: pod.metadata.name, uid: pod.metadata.uid, restarts: (pod.status?.containerStatuses ?? []).reduce((sum, status) => sum + status.restartCount, 0) }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        cacerts: { resourceVersion: cacerts?.metadata.resourceVersion, data: cacerts?.data },
    };
}

/** A dry-run pod of the revision, every second until stopped: each answer that is not an injected pod is kept. */
function injectorWatch(): { stop: () => Promise<{ probes: number; failures: string[] }> } {
    const pod = JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "adoption-probe", namespace: "default", labels: { "istio.io/rev": revision } },
        spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
    });
    let running = true;
    let probes = 0;
    const failures: string[] = [];
    const probe = () =>
        new Promise<void>((resolve) => {
            const child = execFile("kubectl", ["create", "--dry-run=server", "-o", "json", "-f", "-"], { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
                probes += 1;
                if (error) {
                    failures.push(`${new Date().toISOString()}: ${stderr.trim() || error.message}`);
                } else if (!((JSON.parse(stdout) as { metadata: { annotations?: Record<string, string> } }).metadata.annotations ?? {})["sidecar.istio.io/status"]) {
                    failures.push(`${new Date().toISOString()}: the pod came back without a proxy`);
                }
                resolve();
            });
            child.stdin?.end(pod);
        });
    const loop = (async () => {
        while (running) {
            await probe();
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    })();
    return {
        stop: async () => {
            running = false;
            await loop;
            return { probes, failures };
        },
    };
}

suite("adopting an istioctl install of the same release", () => {
    jest.setTimeout(30 * 60 * 1000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-adoption-"));
    const stack = new E2eWorkspace("adopt", clusterEnv());
    let installed: Snapshot;
    let ca: Record<string, string>;

    beforeAll(() => {
        kubectl(["create", "namespace", ISTIO_NAMESPACE]);
        ca = teamCa(scratch);
        kubectl(["create", "secret", "generic", "cacerts", "-n", ISTIO_NAMESPACE, ...Object.entries(ca).map(([key, file]) => `--from-file=${key}=${file}`)]);
        const manifests = istioctlManifests(chartsRoot!, scratch)!;
        execFileSync(ISTIOCTL, ["install", ...istioctlFlags(manifests, version), "--set", `revision=${revision}`, "-y"], {
            env: { ...process.env, KUBECONFIG: kubeconfig },
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 15 * 60_000,
        });
        istiod("start", revision);
        installed = snapshot();
    });

    afterAll(async () => {
        await stack.destroy().catch((error) => console.log(`destroy failed: ${error}`));
        await stack.remove().catch(() => undefined);
        try {
            istiod("stop", null);
        } catch (error) {
            console.log(String(error));
        }
        spawnSync(ISTIOCTL, ["uninstall", "--purge", "-y"], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: "ignore", timeout: 10 * 60_000 });
        kubectl(["delete", "namespace", ISTIO_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
        deleteIstioCrds();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    test("npm run adopt says in place; the up keeps every object, istiod's pod and the CA, and the injector answers throughout", async () => {
        expect(installed.pods.length).toBe(1);
        expect(installed.uids.cacerts).toBeDefined();
        stack.configure({
            // What istioctl's minimal profile runs, written as stack configuration (README "Adopting an existing install").
            istio: { version },
            istiod: { autoscale: { enabled: true, min: 1, max: 5 } },
            // The team's CA stays the one istiod signs with: the stack leaves cacerts to its owner.
            pki: { enabled: false },
            cluster: { kubeconfig },
        });
        await stack.stack();

        const adopt = spawnSync("node", ["--require", "./scripts/register-ts.js", "scripts/adopt.ts", stack.stackName], {
            cwd: stack.workDir,
            env: { ...process.env, ...clusterEnv() },
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        console.log(`npm run adopt (exit ${adopt.status}):\n${adopt.stdout}${adopt.stderr.split("\n").filter((line) => !line.startsWith("pulumi.sh:")).join("\n")}`);
        expect(adopt.stdout).toContain("ok    no pod restarts: no pod template changes");
        expect(adopt.stdout).toContain("ok    the CA stays the one the mesh runs with");
        expect(adopt.stdout).toContain("The first up adopts the install in place.");
        expect(adopt.status).toBe(0);

        const watch = injectorWatch();
        const started = Date.now();
        const { steps } = await stack.up();
        console.log(`adoption: the up took ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const { probes, failures } = await watch.stop();
        console.log(`adoption: ${probes} dry-run pods during the up, ${failures.length} not injected`);
        expect(failures).toEqual([]);
        expect(probes).toBeGreaterThan(0);
        // To the engine the objects are new (creates); to the cluster they are the same objects, taken over.
        expect(changes(steps).filter((step) => !["create", "update"].includes(step.op))).toEqual([]);

        const adopted = snapshot();
        expect(adopted.uids).toEqual(installed.uids);
        expect(adopted.pods).toEqual(installed.pods);
        expect(JSON.parse(adopted.template)).toEqual(JSON.parse(installed.template));
        expect(adopted.cacerts).toEqual(installed.cacerts);
        // The stack owns the objects now: its field manager holds istiod's Deployment.
        const managers = getJson<KubeObject & { metadata: { managedFields?: { manager: string }[] } }>(["deployment", `istiod-${revision}`, "-n", ISTIO_NAMESPACE, "--show-managed-fields"]).metadata.managedFields ?? [];
        expect(managers.some((entry) => entry.manager.startsWith("pulumi-kubernetes"))).toBe(true);

        expect(changes(await stack.preview({ refresh: true }))).toEqual([]);
    });

    test("given the team's root, the stack takes the existing cacerts over in place: a new intermediate under the same root", async () => {
        const before = snapshot();
        stack.configure({
            istio: { version },
            istiod: { autoscale: { enabled: true, min: 1, max: 5 } },
            pki: { roots: [{ name: "team", source: "config" }] },
            cluster: { kubeconfig },
        });
        const workspaceStack = await stack.stack();
        await workspaceStack.setConfig("rootCertificates.team.certificatePem", { value: fs.readFileSync(ca["root-cert.pem"], "utf8"), secret: true }, true);
        await workspaceStack.setConfig("rootCertificates.team.privateKeyPem", { value: fs.readFileSync(path.join(scratch, "root-key.pem"), "utf8"), secret: true }, true);

        const adopt = spawnSync("node", ["--require", "./scripts/register-ts.js", "scripts/adopt.ts", stack.stackName], {
            cwd: stack.workDir,
            env: { ...process.env, ...clusterEnv() },
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        console.log(`npm run adopt with the team's root (exit ${adopt.status}):\n${adopt.stdout.split("\n").filter((line) => !line.startsWith("  ~ CustomResourceDefinition")).join("\n")}`);
        expect(adopt.stdout).toContain("ok    the existing cacerts is taken over in place: a new intermediate under the root(s) the mesh already trusts");
        expect(adopt.stdout).toContain("ok    no pod restarts: no pod template changes");
        expect(adopt.status).toBe(0);

        const watch = injectorWatch();
        await stack.up();
        const { probes, failures } = await watch.stop();
        console.log(`adoption of the CA: ${probes} dry-run pods during the up, ${failures.length} not injected`);
        expect(failures).toEqual([]);

        const after = snapshot();
        expect(after.uids).toEqual(before.uids);
        expect(after.pods).toEqual(before.pods);
        const files = Object.fromEntries(
            Object.entries((after.cacerts.data ?? {}) as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]),
        );
        const teamRoot = certificateBodies(fs.readFileSync(ca["root-cert.pem"], "utf8"));
        expect(certificateBodies(files["root-cert.pem"])).toEqual(teamRoot);
        expect(certificateBodies(files["ca-cert.pem"])).not.toEqual(certificateBodies(fs.readFileSync(ca["ca-cert.pem"], "utf8")));
        fs.writeFileSync(path.join(scratch, "stack-ca-cert.pem"), files["ca-cert.pem"]);
        const verified = spawnSync("openssl", ["verify", "-CAfile", ca["root-cert.pem"], path.join(scratch, "stack-ca-cert.pem")], { encoding: "utf8" });
        expect(verified.stdout.trim()).toBe(`${path.join(scratch, "stack-ca-cert.pem")}: OK`);
    });
});
