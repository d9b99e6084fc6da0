/**
 * Adopting an istioctl install of the same release, on a real API server with the real engine and a real istiod
 * (scripts/istiod.sh): the team's own CA is already in `cacerts`, `istioctl install --revision` runs, istiod serves
 * from that CA. With `lifecycle.adoptExisting`, the engine's own preview (`pulumi preview --json`) shows every existing
 * object as an import (then an update in place), never a create, and only the objects that do not exist as creates.
 * Then `npm run adopt` says the first up is in place, and the up takes every object over without a pod
 * restart (istiod's pod keeps its UID and restart count, its Deployment its pod template), without a moment without
 * an injector (a dry-run pod is injected every second throughout the up), and leaves the existing `cacerts` as it was
 * (`pki.enabled: false`: the stack does not write a CA over the one the workloads trust). A preview then has nothing
 * to do. Then the stack is given the team's root (`pki.roots: [{source: config}]`): it takes the existing `cacerts`
 * over in place (an import, then an update), with a new intermediate under that root, and istiod keeps its pod and
 * keeps injecting; the imported Secret's data (the team's intermediate key) is in the state only as a secret.
 *
 * Then the same after a Helm-style install of the same charts (the `helm` binary is not needed: the stack's own
 * rendering of Istio's charts applied with server-side apply as field manager `helm`, with Helm's release annotations
 * and a release record): the preview imports every object, the up keeps them all and istiod's pod.
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
import { PATCH_FORCE_ANNOTATION } from "../../components/lifecycle/ownership";
import { eventually, find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
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

/** After a suite: the stack destroyed and removed, the local istiod stopped; a failure is logged, never thrown. */
async function releaseStackAndIstiod(stack: E2eWorkspace): Promise<void> {
    await stack.destroy().catch((error) => console.log(`destroy failed: ${error}`));
    await stack.remove().catch(() => undefined);
    try {
        istiod("stop", null);
    } catch (error) {
        console.log(String(error));
    }
}

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

/**
 * A private key's PEM header, as text and as the start of its base64 encoding (a Secret's data), and the start of a
 * P-256 key's PKCS#8 body (the keys openssl makes here).
 */
const PRIVATE_KEY_MARKS = ["PRIVATE KEY-----", "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEH", Buffer.from("-----BEGIN PRIVATE KEY-----").toString("base64").slice(0, 24), Buffer.from("-----BEGIN EC PRIVATE KEY-----").toString("base64").slice(0, 24)];

/** How the exported state marks a secret (the automation API exports it decrypted, beside this mark). */
const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Where a private key stands in the clear in the exported state, outside of a value marked secret: "resource path"
 * for each string that holds one.
 */
function privateKeysInTheClear(resources: readonly { urn: string }[]): string[] {
    const found: string[] = [];
    const walk = (value: unknown, where: string): void => {
        if (value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIGNATURE_KEY] === SECRET_SIGNATURE) {
            return;
        }
        if (typeof value === "string") {
            if (PRIVATE_KEY_MARKS.some((mark) => value.includes(mark))) {
                found.push(where);
            }
        } else if (value !== null && typeof value === "object") {
            for (const [key, entry] of Object.entries(value)) {
                walk(entry, `${where}.${key}`);
            }
        }
    };
    for (const resource of resources) {
        walk(resource, resource.urn.split("::").pop()!);
    }
    return found;
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

/** One step of `pulumi preview --json`. */
interface JsonStep {
    readonly op: string;
    readonly urn: string;
    readonly newState?: { readonly type: string; readonly custom?: boolean; readonly inputs?: Record<string, unknown> };
    readonly detailedDiff?: Record<string, { readonly kind: string }>;
}

/**
 * The adopting up, with dry-run pods probing the injector beside it: none went uninjected, and the up did what the
 * preview showed (imports of the `existing` objects, updates in place, creates of the rest).
 */
async function adoptingUp(stack: E2eWorkspace, label: string, existing: number): Promise<{ probes: number }> {
    const watch = injectorWatch();
    const started = Date.now();
    const { steps } = await stack.up();
    const { probes, failures } = await watch.stop();
    console.log(
        `${label}: the up took ${((Date.now() - started) / 1000).toFixed(1)} s; ops ${JSON.stringify(opCounts(changes(steps)))}; ` +
            `${probes} dry-run pods during the up, ${failures.length} not injected`,
    );
    expect(failures).toEqual([]);
    expect(changes(steps).filter((step) => !["create", "import", "update"].includes(step.op))).toEqual([]);
    expect(changes(steps).filter((step) => step.op === "import").length).toBe(existing);
    return { probes };
}

/** After the adoption: the same objects (by uid), the same pods and the same injection template as installed. */
function expectWorkloadsKept(installed: Snapshot): Snapshot {
    const adopted = snapshot();
    expect(adopted.uids).toEqual(installed.uids);
    expect(adopted.pods).toEqual(installed.pods);
    expect(JSON.parse(adopted.template)).toEqual(JSON.parse(installed.template));
    return adopted;
}

/** `npm run preview`'s engine run with `--json` (scripts/pulumi.sh, refresh included), its steps and how long it took. */
function previewJson(stack: E2eWorkspace): { steps: JsonStep[]; seconds: number } {
    const started = Date.now();
    const result = spawnSync("bash", ["scripts/pulumi.sh", "preview", "--json"], {
        cwd: stack.workDir,
        env: { ...process.env, ...clusterEnv(), STACK: stack.stackName },
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
    });
    const seconds = (Date.now() - started) / 1000;
    const output = JSON.parse(result.stdout || "{}") as { steps?: JsonStep[]; diagnostics?: { message: string; severity: string }[] };
    if (result.status !== 0) {
        throw new Error(`preview --json failed (exit ${result.status}): ${(output.diagnostics ?? []).map((entry) => entry.message).join("\n")}${result.stderr}`);
    }
    return { steps: output.steps ?? [], seconds };
}

interface PlannedObject {
    readonly urn: string;
    readonly kind: string;
    readonly namespace?: string;
    readonly name: string;
    readonly ops: string[];
}

/** The Kubernetes objects of a preview, one per URN with the ops of its steps in order. */
function kubernetesObjects(steps: readonly JsonStep[]): PlannedObject[] {
    const byUrn = new Map<string, PlannedObject>();
    for (const step of steps) {
        if (step.newState?.custom !== true || !step.newState.type.startsWith("kubernetes:")) {
            continue;
        }
        const metadata = (step.newState.inputs?.metadata ?? {}) as { name?: string; namespace?: string };
        const entry = byUrn.get(step.urn) ?? { urn: step.urn, kind: step.newState.type, namespace: metadata.namespace, name: metadata.name ?? "", ops: [] };
        entry.ops.push(step.op);
        byUrn.set(step.urn, entry);
    }
    return [...byUrn.values()];
}

/** True when the object exists in the cluster (asked one by one, independently of the stack's own listing). */
function existsLive(object: PlannedObject): boolean {
    const [, group, version, kind] = /^kubernetes:([^:/]+)\/([^:/]+):(\w+)$/.exec(object.kind)!;
    const resource = `${kind}.${version}.${group === "core" ? "" : group}`;
    const result = spawnSync("kubectl", ["get", resource, object.name, ...(object.namespace ? ["-n", object.namespace] : []), "-o", "name"], { encoding: "utf8" });
    return result.status === 0;
}

/** Op counts of a preview's steps, e.g. {import: 37, update: 12, create: 3}. */
function opCounts(steps: readonly { op: string }[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const step of steps) {
        counts[step.op] = (counts[step.op] ?? 0) + 1;
    }
    return counts;
}

/**
 * The adoption as the engine previews it: every Kubernetes object of the stack that exists is an import (then, where
 * the stack's object differs, an update), every one that does not is a create; nothing is deleted or replaced.
 * Returns the existing objects' count.
 */
function expectImportsOfExisting(steps: readonly JsonStep[], label: string): number {
    const objects = kubernetesObjects(steps);
    const existing = objects.filter(existsLive);
    const missing = objects.filter((object) => !existing.includes(object));
    console.log(
        `${label}: preview ops ${JSON.stringify(opCounts(steps))}; ${objects.length} Kubernetes objects, ${existing.length} exist ` +
            `(ops ${JSON.stringify(opCounts(existing.flatMap((object) => object.ops.map((op) => ({ op })))))}), ${missing.length} do not ` +
            `(${missing.map((object) => `${object.kind.split(":").pop()} ${object.name}`).join(", ")})`,
    );
    // What the updates after the imports show: the paths of their diffs, by kind of change.
    const diffKinds: Record<string, number> = {};
    for (const step of steps.filter((entry) => entry.op === "update" && entry.newState?.type.startsWith("kubernetes:"))) {
        for (const change of Object.values(step.detailedDiff ?? {})) {
            diffKinds[change.kind] = (diffKinds[change.kind] ?? 0) + 1;
        }
    }
    const istiodUpdate = steps.find((entry) => entry.op === "update" && entry.newState?.type === "kubernetes:apps/v1:Deployment");
    console.log(
        `${label}: the updates' diffs, paths by kind ${JSON.stringify(diffKinds)}; istiod's Deployment: ` +
            Object.entries(istiodUpdate?.detailedDiff ?? {})
                .map(([diffPath, change]) => `${change.kind} ${diffPath}`)
                .join(", "),
    );
    expect(existing.length).toBeGreaterThan(0);
    // An existing object: import first, then at most an update in place.
    expect(existing.filter((object) => object.ops[0] !== "import" || object.ops.slice(1).some((op) => op !== "update")).map((object) => `${object.urn}: ${object.ops.join(",")}`)).toEqual([]);
    // A missing one: a create, nothing else.
    expect(missing.filter((object) => object.ops.join(",") !== "create").map((object) => `${object.urn}: ${object.ops.join(",")}`)).toEqual([]);
    expect(steps.filter((step) => ["delete", "replace", "create-replacement", "delete-replaced", "import-replacement"].includes(step.op))).toEqual([]);
    return existing.length;
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
        await releaseStackAndIstiod(stack);
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
            // The preview shows the existing objects as imports.
            lifecycle: { adoptExisting: true },
        });
        await stack.stack();

        const preview = previewJson(stack);
        console.log(`adoption preview (pulumi preview --json, refresh included): ${preview.seconds.toFixed(1)} s`);
        const existing = expectImportsOfExisting(preview.steps, "istioctl adoption");
        // istioctl's objects the stack also applies are among them.
        const imported = kubernetesObjects(preview.steps).filter((object) => object.ops[0] === "import");
        for (const [kind, name] of [
            ["kubernetes:apps/v1:Deployment", `istiod-${revision}`],
            ["kubernetes:core/v1:Service", `istiod-${revision}`],
            ["kubernetes:core/v1:ConfigMap", `istio-${revision}`],
            ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "virtualservices.networking.istio.io"],
            ["kubernetes:core/v1:Namespace", ISTIO_NAMESPACE],
        ]) {
            expect(imported.filter((object) => object.kind === kind && object.name === name).length).toBe(1);
        }

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

        const { probes } = await adoptingUp(stack, "adoption", existing);
        expect(probes).toBeGreaterThan(0);
        const adopted = expectWorkloadsKept(installed);
        expect(adopted.cacerts).toEqual(installed.cacerts);
        // The stack owns the objects now: its field manager holds istiod's Deployment.
        const managers = getJson<KubeObject & { metadata: { managedFields?: { manager: string }[] } }>(["deployment", `istiod-${revision}`, "-n", ISTIO_NAMESPACE, "--show-managed-fields"]).metadata.managedFields ?? [];
        expect(managers.some((entry) => entry.manager.startsWith("pulumi-kubernetes"))).toBe(true);

        const second = Date.now();
        expect(changes(await stack.preview({ refresh: true }))).toEqual([]);
        console.log(`adoption: the refreshing preview after the up had nothing to do (${((Date.now() - second) / 1000).toFixed(1)} s)`);
    });

    test("given the team's root, the stack takes the existing cacerts over in place: a new intermediate under the same root", async () => {
        const before = snapshot();
        stack.configure({
            istio: { version },
            istiod: { autoscale: { enabled: true, min: 1, max: 5 } },
            pki: { roots: [{ name: "team", source: "config" }] },
            cluster: { kubeconfig },
            lifecycle: { adoptExisting: true },
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
        const { steps } = await stack.up();
        const { probes, failures } = await watch.stop();
        console.log(`adoption of the CA: ${probes} dry-run pods during the up, ${failures.length} not injected; up ops ${JSON.stringify(opCounts(changes(steps)))}`);
        // The existing cacerts is imported, then updated in place (its data is the stack's now); no other Kubernetes
        // object is new to the stack (the CA's keys and certificates are).
        expect(changes(steps).filter((step) => step.type === "kubernetes:core/v1:Secret").map((step) => step.op)).toEqual(["import", "update"]);
        expect(changes(steps).filter((step) => step.type.startsWith("kubernetes:") && !["import", "update"].includes(step.op))).toEqual([]);
        // The import read the existing cacerts, its key included, into the state: no private key is there but as a
        // secret, as PEM or base64-encoded PEM (the Secret's data), in any resource.
        expect(privateKeysInTheClear(await stack.resources())).toEqual([]);
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

/** Helm's marks on an object of a release: its annotations and the managed-by label. Pure. */
function asHelmRelease(object: Record<string, unknown>, release: string): Record<string, unknown> {
    const metadata = (object.metadata ?? {}) as { annotations?: Record<string, string>; labels?: Record<string, string>; [key: string]: unknown };
    const { [PATCH_FORCE_ANNOTATION]: _stack, ...annotations } = metadata.annotations ?? {};
    return {
        ...Object.fromEntries(Object.entries(object).filter(([key]) => !key.startsWith("__"))),
        metadata: {
            ...metadata,
            annotations: { ...annotations, "meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ISTIO_NAMESPACE },
            labels: { ...metadata.labels, "app.kubernetes.io/managed-by": "Helm" },
        },
    };
}

suite("adopting a Helm-style install of the same charts", () => {
    jest.setTimeout(30 * 60 * 1000);
    const stack = new E2eWorkspace("adopt-helm", clusterEnv());
    const configuration = { istio: { version }, pki: { enabled: false }, cluster: { kubeconfig } };
    let installed: Snapshot;
    let releases: string[] = [];
    let helmObjects: Record<string, unknown>[] = [];

    beforeAll(async () => {
        // What `helm install` of Istio's charts applies: the stack's own rendering of them (a preview on the empty
        // cluster), each chart a release, applied with server-side apply as Helm 4 does (field manager helm).
        const render = new E2eWorkspace("adopt-render", clusterEnv());
        render.configure(configuration);
        await render.stack();
        const { steps } = previewJson(render);
        await render.remove().catch(() => undefined);
        const charted = steps.filter((step) => step.op === "create" && step.newState?.custom === true && step.urn.includes("kubernetes:helm.sh/v4:Chart$"));
        const objects = charted.map((step) => asHelmRelease(step.newState!.inputs ?? {}, step.urn.split("::").pop()!.split(":")[0]));
        releases = [...new Set(objects.map((object) => (object.metadata as { annotations: Record<string, string> }).annotations["meta.helm.sh/release-name"]))];
        helmObjects = objects;
        console.log(`Helm-style install: ${objects.length} objects of ${releases.length} releases (${releases.join(", ")})`);
        kubectl(["create", "namespace", ISTIO_NAMESPACE]);
        const apply = (list: Record<string, unknown>[]) =>
            kubectl(["apply", "--server-side", "--field-manager=helm", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: list }));
        const isCrd = (object: Record<string, unknown>) => object.kind === "CustomResourceDefinition";
        apply(objects.filter(isCrd));
        // A CRD the API server has not given a status yet fails `kubectl wait` at once: asked again until it has one.
        const crdNames = objects.filter(isCrd).map((object) => `crd/${(object.metadata as { name: string }).name}`);
        await eventually(() => kubectl(["wait", "--for", "condition=established", "--timeout=300s", ...crdNames]), 300);
        apply(objects.filter((object) => !isCrd(object)));
        // Helm's release records.
        for (const release of releases) {
            kubectl(["create", "secret", "generic", `sh.helm.release.v1.${release}.v1`, "-n", ISTIO_NAMESPACE, "--type", "helm.sh/release.v1", "--from-literal=release=simulated"]);
            kubectl(["label", "secret", `sh.helm.release.v1.${release}.v1`, "-n", ISTIO_NAMESPACE, "owner=helm", `name=${release}`, "status=deployed", "version=1"]);
        }
        istiod("start", revision);
        installed = snapshot();
    });

    afterAll(async () => {
        await releaseStackAndIstiod(stack);
        // What Helm applied, should the stack not have taken it over (the cluster-scoped objects outlive the namespace).
        const leftover = helmObjects.filter((object) => object.kind !== "CustomResourceDefinition");
        if (leftover.length > 0) {
            spawnSync("kubectl", ["delete", "--ignore-not-found", "--wait=true", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: leftover }), encoding: "utf8" });
        }
        kubectl(["delete", "namespace", ISTIO_NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=300s"]);
        deleteIstioCrds();
    });

    test("the preview imports every object Helm applied; the up keeps them all and istiod's pod, and the injector answers throughout", async () => {
        expect(installed.pods.length).toBe(1);
        stack.configure({ ...configuration, lifecycle: { adoptExisting: true } });
        await stack.stack();

        const preview = previewJson(stack);
        console.log(`Helm-style adoption preview (pulumi preview --json, refresh included): ${preview.seconds.toFixed(1)} s`);
        const existing = expectImportsOfExisting(preview.steps, "Helm-style adoption");
        // Every object of the releases, and the namespace Helm was given.
        expect(existing).toBe(helmObjects.length + 1);

        const adopt = spawnSync("node", ["--require", "./scripts/register-ts.js", "scripts/adopt.ts", stack.stackName], {
            cwd: stack.workDir,
            env: { ...process.env, ...clusterEnv() },
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        console.log(`npm run adopt after the Helm-style install (exit ${adopt.status}):\n${adopt.stdout.split("\n").filter((line) => !line.startsWith("  ~ CustomResourceDefinition")).join("\n")}`);
        // npm run adopt judges every imported object but Secrets (their data is hidden in a preview).
        const judged = kubernetesObjects(preview.steps).filter((object) => object.ops[0] === "import" && object.kind !== "kubernetes:core/v1:Secret").length;
        expect(adopt.stdout).toContain(`the preview imports ${judged} of them`);
        expect(adopt.stdout).toContain("ok    no pod restarts: no pod template changes");
        expect(adopt.status).toBe(0);

        await adoptingUp(stack, "Helm-style adoption", existing);
        expectWorkloadsKept(installed);
        // Helm's records and marks stay as they were (README: delete the release Secrets so that helm lets go).
        for (const release of releases) {
            expect(find("secret", `sh.helm.release.v1.${release}.v1`, ISTIO_NAMESPACE)).toBeDefined();
        }
        const deployment = getJson<KubeObject & { metadata: { annotations?: Record<string, string> } }>(["deployment", `istiod-${revision}`, "-n", ISTIO_NAMESPACE]);
        expect(deployment.metadata.annotations?.["meta.helm.sh/release-name"]).toBeDefined();

        const second = Date.now();
        expect(changes(await stack.preview({ refresh: true }))).toEqual([]);
        console.log(`Helm-style adoption: the refreshing preview after the up had nothing to do (${((Date.now() - second) / 1000).toFixed(1)} s)`);
    });
});
