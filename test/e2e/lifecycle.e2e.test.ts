/**
 * The lifecycle on a real API server with the real engine: an up whose processes are killed (SIGKILL) midway
 * converges on the next `npm run up` (scripts/pulumi.sh, as a user runs it) with no manual step, keeps what it had
 * created (the same objects, the same CA) and leaves a preview with nothing to do; an object deleted by hand shows in a refreshing preview
 * and is restored by a refreshing up (what `npm run up` runs); after a destroy, an up of another supported release
 * takes over the CRDs the destroy kept; removing a revision whose proxies still run is refused at preview with the
 * count and the namespaces, and goes through once forced.
 *
 * On the local cluster no istiod runs, so the stack runs with validation failing open and the readiness gate's
 * probes skipped. The pod that "runs a revision's proxy" is created as istiod's injector leaves one (the
 * `istio.io/rev` label and the `sidecar.istio.io/status` annotation naming the revision); the census reads exactly
 * those. Run with `bash scripts/e2e.sh test/e2e/lifecycle.e2e.test.ts`; it needs the charts of 1.30.3 and 1.31.0 (or
 * ISTIO_E2E_VERSIONS=old,new, two supported releases) in ISTIO_CHARTS_DIR.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { eventually, find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { changes, clusterEnv, deleteIstioCrds, E2eWorkspace } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const [oldVersion, newVersion] = (process.env.ISTIO_E2E_VERSIONS ?? "1.30.3,1.31.0").split(",");
const revisionOf = (version: string) => version.replace(/[^a-z0-9]+/g, "-");
const [oldRevision, newRevision] = [revisionOf(oldVersion), revisionOf(newVersion)];
const missingCharts = [oldVersion, newVersion].filter((version) => chartsDirectory?.includes("{version}") && !fs.existsSync(chartsDirectory.replace("{version}", version)));
const skipReason = !chartsDirectory
    ? `${CHARTS_DIRECTORY_ENV} is not set`
    : !kubeconfig
      ? "KUBECONFIG is not set"
      : missingCharts.length > 0
        ? `no charts for ${missingCharts.join(", ")} in ${chartsDirectory}`
        : undefined;
const suite = skipReason === undefined ? describe : describe.skip;
if (skipReason !== undefined) {
    console.log(`lifecycle end-to-end suite skipped: ${skipReason}`);
}

const WORKLOADS = "e2e-lifecycle-shop";

function meshConfig(istio: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio,
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        pki: { enabled: false },
        webhooks: { validationFailurePolicy: "Ignore" },
        readiness: { probe: "skip" },
        cluster: { kubeconfig },
        ...overrides,
    };
}

/**
 * A pod as istiod's injector leaves it: the revision in its label and in the injection status. No istiod answers
 * the injection webhook here (it fails closed), so the pod opts out of it (`sidecar.istio.io/inject: "false"`, which
 * every injector's object selector excludes) and carries what the injector would have written itself.
 */
function injectedPod(name: string, revision: string): object {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name,
            namespace: WORKLOADS,
            labels: { app: name, "istio.io/rev": revision, "sidecar.istio.io/inject": "false" },
            annotations: { "sidecar.istio.io/status": JSON.stringify({ initContainers: ["istio-init"], containers: ["istio-proxy"], revision }) },
        },
        spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
    };
}

/** `npm run up|preview` as a user runs them, in the workspace's folder, on its stack. */
function pulumiSh(stack: E2eWorkspace, args: readonly string[]): { status: number | null; stderr: string; stdout: string } {
    const result = spawnSync("bash", [path.join(stack.workDir, "scripts", "pulumi.sh"), ...args], {
        cwd: stack.workDir,
        env: { ...process.env, ...clusterEnv(), STACK: stack.stackName },
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

/** The lock files of a stack in the file state backend of this run (scripts/env.sh), as the engine writes them. */
function lockFiles(stackName: string): string[] {
    const backend = (process.env.PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, "");
    const folder = path.join(backend, ".pulumi", "locks", "organization", "istio-mesh", stackName);
    return fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => name.endsWith(".json")) : [];
}

/** The pid and every descendant of it (the engine starts its plugins in process groups of their own). */
function processTree(pid: number): number[] {
    const parents = new Map<number, number[]>();
    for (const line of spawnSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" }).stdout.split("\n")) {
        const [child, parent] = line.trim().split(/\s+/).map(Number);
        if (child > 0) {
            parents.set(parent, [...(parents.get(parent) ?? []), child]);
        }
    }
    const tree = [pid];
    for (let i = 0; i < tree.length; i++) {
        tree.push(...(parents.get(tree[i]) ?? []));
    }
    return tree;
}

/** Istio's CRDs by name, with their UIDs. */
function istioCrdUids(): Record<string, string | undefined> {
    const crds = getJson<{ items: KubeObject[] }>(["crd"]).items.filter((crd) => crd.metadata.name.endsWith(".istio.io"));
    return Object.fromEntries(crds.map((crd) => [crd.metadata.name, crd.metadata.uid]));
}

function rootCertificate(): string | undefined {
    const secret = find("secret", "cacerts", "istio-system") as { data?: Record<string, string> } | undefined;
    return secret?.data?.["root-cert.pem"];
}

suite("the lifecycle on a real API server", () => {
    jest.setTimeout(20 * 60 * 1000);
    const workspaces: E2eWorkspace[] = [];
    const workspace = (prefix: string) => {
        const created = new E2eWorkspace(prefix, clusterEnv());
        workspaces.push(created);
        return created;
    };

    afterAll(async () => {
        kubectl(["delete", "namespace", WORKLOADS, "--ignore-not-found", "--wait=false"]);
        for (const each of workspaces) {
            await each.destroy().catch(() => undefined);
            await each.remove().catch(() => undefined);
        }
        deleteIstioCrds();
    });

    test("an up killed midway (SIGKILL): the next npm run up converges with no manual step, keeps the CA, and a preview shows 0 changes", async () => {
        const stack = workspace("crash");
        stack.configure(meshConfig({ version: newVersion }, { pki: { enabled: true } }));
        await stack.stack();
        const started = Date.now();
        const up = spawn("bash", [path.join(stack.workDir, "scripts", "pulumi.sh"), "up", "--yes", "--skip-preview"], {
            cwd: stack.workDir,
            env: { ...process.env, ...clusterEnv(), STACK: stack.stackName },
            stdio: "ignore",
        });
        let exited = false;
        up.on("exit", () => {
            exited = true;
        });
        // Killed once it has written the CA and a dozen objects more (Istio's CRDs come early), as a lost CI runner
        // would leave it: the engine, its language host, the program and the providers, all at once.
        const created = await eventually(() => {
            const crds = kubectl(["get", "crd", "-o", "name"]).split("\n").filter((name) => name.endsWith(".istio.io"));
            const root = rootCertificate();
            if (exited || root === undefined || crds.length < 12) {
                throw new Error(`not far enough yet (${crds.length} CRDs, cacerts ${root === undefined ? "absent" : "present"}, exited: ${exited})`);
            }
            // Read before the kill: what exists now must be the same objects after the recovery.
            return { root, cacerts: find("secret", "cacerts", "istio-system")?.metadata.uid, crds: istioCrdUids() };
        }, 15 * 60).catch((error: Error) => {
            throw new Error(`the up never got far enough to be interrupted: ${error.message}`);
        });
        expect(exited).toBe(false);
        for (const pid of processTree(up.pid!)) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
        await new Promise((resolve) => (exited ? resolve(undefined) : up.on("exit", resolve)));
        console.log(`crash: killed ${((Date.now() - started) / 1000).toFixed(1)} s into the up`);
        // What the issue met: the dead run's lock is still there.
        expect(lockFiles(stack.stackName).length).toBe(1);

        const recoveryStarted = Date.now();
        const recovered = pulumiSh(stack, ["up", "--yes", "--skip-preview"]);
        console.log(`crash: the next npm run up took ${((Date.now() - recoveryStarted) / 1000).toFixed(1)} s`);
        if (recovered.status !== 0) {
            throw new Error(`the up after the crash failed (exit ${recovered.status}):\n${recovered.stderr.slice(-4000)}`);
        }
        expect(recovered.stderr).toMatch(new RegExp(`pulumi.sh: cleared the lock of stack ${stack.stackName} left by pid \\d+ of .*, which no longer runs`));
        expect(lockFiles(stack.stackName)).toEqual([]);
        expect(find("deployment", `istiod-${newRevision}`, "istio-system")).toBeDefined();
        // Nothing created twice, nothing lost: the same objects, the same CA.
        expect(rootCertificate()).toBe(created.root);
        expect(find("secret", "cacerts", "istio-system")?.metadata.uid).toBe(created.cacerts);
        const crdsAfter = istioCrdUids();
        expect(Object.keys(created.crds).length).toBeGreaterThanOrEqual(12);
        expect(Object.fromEntries(Object.keys(created.crds).map((name) => [name, crdsAfter[name]]))).toEqual(created.crds);
        const state = await stack.resources();
        const urns = state.map((resource) => resource.urn);
        expect(urns.length).toBe(new Set(urns).size);
        expect(state.filter((resource) => resource.type === "tls:index/privateKey:PrivateKey").length).toBeGreaterThan(0);

        const previewStarted = Date.now();
        expect(changes(await stack.preview({ refresh: true }))).toEqual([]);
        console.log(`crash: the refreshing preview after it took ${((Date.now() - previewStarted) / 1000).toFixed(1)} s`);
        await stack.destroy();
    });

    test("drift: istiod's Deployment deleted by hand shows in a refreshing preview and a refreshing up restores it", async () => {
        const stack = workspace("drift");
        stack.configure(meshConfig({ version: newVersion }));
        await stack.up();
        const before = find("deployment", `istiod-${newRevision}`, "istio-system");
        expect(before).toBeDefined();
        kubectl(["delete", "deployment", `istiod-${newRevision}`, "-n", "istio-system", "--wait=true"]);

        // Without a refresh the engine trusts its state: nothing to do (the failure of the issue).
        expect(changes(await stack.preview()).map((step) => step.name)).toEqual([]);
        const refreshed = changes(await stack.preview({ refresh: true }));
        expect(refreshed.map((step) => [step.op, step.name])).toEqual([["create", `mesh-istiod:istio-system/istiod-${newRevision}`]]);

        const { steps } = await stack.up({ refresh: true });
        expect(changes(steps).map((step) => [step.op, step.name])).toEqual([["create", `mesh-istiod:istio-system/istiod-${newRevision}`]]);
        const after = find("deployment", `istiod-${newRevision}`, "istio-system");
        expect(after?.metadata.uid).toBeDefined();
        expect(after?.metadata.uid).not.toBe(before?.metadata.uid);
        expect(changes(await stack.preview({ refresh: true }))).toEqual([]);
        await stack.destroy();
    });

    test("after a destroy, an up of another release takes over the CRDs it kept", async () => {
        const first = workspace("crds-a");
        first.configure(meshConfig({ version: oldVersion }));
        await first.up();
        await first.destroy();
        const kept = getJson<{ items: KubeObject[] }>(["crd"]).items.filter((crd) => crd.metadata.name.endsWith(".istio.io"));
        expect(kept.length).toBeGreaterThan(10);

        const second = workspace("crds-b");
        second.configure(meshConfig({ version: newVersion }));
        const { result } = await second.up();
        expect(result.summary.result).toBe("succeeded");
        // The kept CRDs are the new stack's now: the same objects (not re-created), in its state.
        const crd = getJson(["crd", "virtualservices.networking.istio.io"]);
        expect(crd.metadata.uid).toBe(kept.find((each) => each.metadata.name === "virtualservices.networking.istio.io")?.metadata.uid);
        const owned = (await second.resources()).filter((resource) => resource.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
        expect(owned.map((resource) => resource.urn.split("::").pop())).toContain("mesh-base:virtualservices.networking.istio.io");
        await second.destroy();
    });

    test("a tag moved off a revision that pods run is a warning at preview; removing that revision is refused, with the count and the namespaces", async () => {
        const stack = workspace("removal");
        const revisions = [{ version: oldVersion }, { version: newVersion }];
        const enrolled = { namespaces: [{ name: WORKLOADS }] };
        stack.configure(meshConfig({ revisions, tags: { default: oldRevision } }, enrolled));
        await stack.up();
        for (const name of ["cart-1", "cart-2"]) {
            kubectl(["create", "-f", "-"], JSON.stringify(injectedPod(name, oldRevision)));
        }

        // The default tag moves to the new revision: the two pods keep the old revision's proxies until they restart.
        stack.configure(meshConfig({ revisions, tags: { default: newRevision } }, enrolled));
        const warnings: string[] = [];
        await (await stack.stack()).preview({
            onEvent: (event) => {
                if (event.diagnosticEvent?.severity === "warning") {
                    warnings.push(event.diagnosticEvent.message.trim());
                }
            },
        });
        expect(warnings).toContain(
            `tag default moves from ${oldRevision} to ${newRevision}: 2 pod(s) in ${WORKLOADS} (2) still run the proxies of ${oldRevision} and keep them ` +
                `until they restart. Restart their workloads after this up (npm run verify lists them), and keep revision ${oldRevision} until they have`,
        );
        await stack.up();
        kubectl(["create", "-f", "-"], JSON.stringify(injectedPod("web-1", newRevision)));

        stack.configure(meshConfig({ revisions: [{ version: newVersion }], tags: { default: newRevision } }, enrolled));
        await expect(stack.preview()).rejects.toThrow(
            new RegExp(`Unsafe revision removal in stack "${stack.stackName}"; nothing was changed:\\s+- revision ${oldRevision} is removed, but 2 pod\\(s\\) still run its proxies, in ${WORKLOADS} \\(2\\)`),
        );
        await expect(stack.up()).rejects.toThrow(/Unsafe revision removal/);
        expect(find("deployment", `istiod-${oldRevision}`, "istio-system")).toBeDefined();

        stack.configure(meshConfig({ revisions: [{ version: newVersion }], tags: { default: newRevision } }, { ...enrolled, lifecycle: { forceRevisionRemoval: true } }));
        const forced = changes(await stack.preview());
        // The old revision's objects go; the rest is updates in place (the readiness gate lists the revisions it probes).
        expect(forced.filter((step) => step.op === "delete").length).toBeGreaterThan(0);
        expect(forced.filter((step) => step.op === "delete").every((step) => step.name.includes(oldRevision))).toBe(true);
        expect(forced.filter((step) => step.op !== "delete" && step.op !== "update")).toEqual([]);
        expect(forced.map((step) => step.name)).toContain("mesh-ready");
        await stack.up();
        expect(find("deployment", `istiod-${oldRevision}`, "istio-system")).toBeUndefined();
        await stack.destroy();
    });
});
