/**
 * What the first `npm run up` of a stack does to a cluster that already runs Istio (installed with istioctl or Helm):
 *
 *   npm run adopt -- [stack]          (default: dev; the cluster of npm run up)
 *
 * It runs the stack's preview, and for every Kubernetes object new to the engine (a create, or with
 * lifecycle.adoptExisting an import and its update), asks the API server what server-side apply would make of it
 * (`kubectl diff --server-side --force-conflicts`, as the stack applies): an object that exists is taken over and
 * updated in place (the fields that change are listed), or is left as it is, and the report says how the preview
 * shows them (imports, or creates when lifecycle.adoptExisting is off);
 * a Deployment or DaemonSet whose pod template changes restarts its pods (named). Then the CA: with pki.enabled, an
 * existing `cacerts` Secret is taken over in place when the stack is given its root (pki.roots with source config:
 * a new intermediate under the root the workloads trust); otherwise the stack's CA would replace the one the mesh
 * runs with (a new root is a root rotation: see "Adopting an existing install" in README.md), which the report
 * calls out, as for istiod's self-signed `istio-ca-secret`.
 *
 * It changes nothing. Exits 1 when the up would delete or replace an object, restart a pod, or replace the CA.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { adoptionReport, changedPaths, objectKey, plannedObjects, PreviewStep } from "../components/lifecycle/adoption";

// The project folder npm runs it in (its stack files and state), also when the scripts are linked into another one.
const root = process.cwd();

function preview(stack: string): PreviewStep[] {
    const result = spawnSync("bash", [path.join(root, "scripts", "pulumi.sh"), "preview", "--json"], {
        cwd: root,
        env: { ...process.env, STACK: stack },
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
        stdio: ["ignore", "pipe", "inherit"],
    });
    const output = JSON.parse(result.stdout || "{}") as { steps?: PreviewStep[]; diagnostics?: { message: string; severity: string }[] };
    if (result.status !== 0) {
        const errors = (output.diagnostics ?? []).filter((diagnostic) => diagnostic.severity === "error").map((diagnostic) => diagnostic.message.trim());
        throw new Error(`the preview failed:\n${errors.join("\n") || "(see above)"}`);
    }
    return output.steps ?? [];
}

/** Live and merged (what server-side apply would leave) objects, by "kind/namespace/name", for objects that exist. */
function serverSideDiff(objects: readonly Record<string, unknown>[], kubeconfig: string | undefined): Map<string, { live: unknown; merged: unknown }> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-adopt-"));
    const differ = path.join(scratch, "differ.sh");
    // kubectl hands the external differ two folders, one file per object: keep them.
    fs.writeFileSync(differ, `#!/bin/sh\ncp -r "$1" "${scratch}/live"\ncp -r "$2" "${scratch}/merged"\nexit 0\n`, { mode: 0o700 });
    try {
        const diff = spawnSync(
            "kubectl",
            [...(kubeconfig ? ["--kubeconfig", kubeconfig] : []), "diff", "--server-side", "--force-conflicts", "--field-manager=mesh-adopt", "-f", "-"],
            { input: objects.map((object) => JSON.stringify(object)).join("\n"), env: { ...process.env, KUBECTL_EXTERNAL_DIFF: differ }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
        );
        // 0: no difference, 1: differences (our differ exits 0, kubectl may still say 1); more: kubectl failed.
        if (diff.error !== undefined || (diff.status ?? 2) > 1) {
            throw new Error(`kubectl diff failed: ${(diff.stderr || String(diff.error)).trim()}`);
        }
        const read = (folder: string) =>
            new Map(
                (fs.existsSync(folder) ? fs.readdirSync(folder) : []).map((file) => {
                    const [document] = parseAllDocuments(fs.readFileSync(path.join(folder, file), "utf8"));
                    return [file, document?.toJS() as unknown];
                }),
            );
        const live = read(path.join(scratch, "live"));
        const merged = read(path.join(scratch, "merged"));
        const result = new Map<string, { live: unknown; merged: unknown }>();
        for (const [file, object] of merged) {
            const liveObject = live.get(file);
            if (liveObject !== undefined && liveObject !== null) {
                const metadata = (object as { kind: string; metadata: { name: string; namespace?: string } }).metadata;
                result.set(`${(object as { kind: string }).kind}/${metadata.namespace ?? ""}/${metadata.name}`, { live: liveObject, merged: object });
            }
        }
        return result;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/** The existing cacerts' root-cert.pem, undefined when there is none. */
function existingRoots(namespace: string, kubeconfig: string | undefined): string | undefined {
    const result = spawnSync("kubectl", [...(kubeconfig ? ["--kubeconfig", kubeconfig] : []), "get", "secret", "cacerts", "-n", namespace, "-o", "jsonpath={.data.root-cert\\.pem}"], {
        encoding: "utf8",
    });
    return result.status === 0 && result.stdout !== "" ? Buffer.from(result.stdout, "base64").toString("utf8") : undefined;
}

/**
 * The roots the stack will trust, when every one is given as configuration (read from the stack's secret
 * configuration, as the program reads it; compared, never printed); undefined when one is generated or comes from
 * another stack, or the configuration cannot be read.
 */
function configuredRoots(stack: string): string[] | undefined {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const config = fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, { pki?: { roots?: { name: string; source?: string }[] } }> }) : undefined;
    const roots = config?.config?.["istio-mesh:mesh"]?.pki?.roots;
    if (roots === undefined || roots.length === 0 || roots.some((each) => each.source !== "config")) {
        return undefined;
    }
    const pems: string[] = [];
    for (const each of roots) {
        // scripts/env.sh: the state backend and the passphrase that decrypt the stack's secrets.
        const result = spawnSync(
            "bash",
            ["-c", 'source scripts/env.sh && exec pulumi config get --path "rootCertificates.$1.certificatePem" --stack "$2"', "adopt", each.name, stack],
            { cwd: root, encoding: "utf8" },
        );
        if (result.status !== 0) {
            return undefined;
        }
        pems.push(result.stdout);
    }
    return pems;
}

function exists(kind: string, name: string, namespace: string, kubeconfig: string | undefined): boolean {
    const result = spawnSync("kubectl", [...(kubeconfig ? ["--kubeconfig", kubeconfig] : []), "get", kind, name, "-n", namespace, "-o", "name"], { encoding: "utf8" });
    return result.status === 0;
}

function main(argv: readonly string[]): number {
    const stack = argv[0] ?? "dev";
    // The cluster npm run up uses: KUBECONFIG, ~/.kube/config, else the local cluster of scripts/cluster.sh.
    const localCluster = path.join(root, ".local", process.env.MESH_CLUSTER ?? "cluster", "kubeconfig");
    const kubeconfig =
        process.env.KUBECONFIG || (fs.existsSync(path.join(os.homedir(), ".kube", "config")) ? undefined : fs.existsSync(localCluster) ? localCluster : undefined);
    const steps = preview(stack);
    // The objects new to the engine: creates, and imports (lifecycle.adoptExisting) with the update that follows.
    const planned = plannedObjects(steps)
        // Secrets' data is hidden in a preview; the CA Secret is judged on its own below.
        .filter((entry) => entry.object.kind !== "Secret");
    const opsByKey = new Map(planned.map((entry) => [objectKey(entry.object), entry.ops]));
    const diffs = serverSideDiff(
        planned.map((entry) => entry.object),
        kubeconfig,
    );
    const adopted = [...diffs.entries()].map(([key, { live, merged }]) => {
        const [kind, namespace, name] = key.split("/");
        return { kind, namespace, name, changed: changedPaths(live, merged), ops: opsByKey.get(key) ?? [] };
    });
    const istioNamespace = "istio-system";
    const report = adoptionReport({
        steps,
        adopted,
        created: planned.length - adopted.length,
        ca: {
            pluginCa: steps.some((step) => ["create", "import"].includes(step.op) && step.newState?.type === "kubernetes:core/v1:Secret" && step.urn.endsWith("-cacerts")),
            existingCacerts: exists("secret", "cacerts", istioNamespace, kubeconfig),
            selfSignedCa: exists("secret", "istio-ca-secret", istioNamespace, kubeconfig),
            existingRoots: existingRoots(istioNamespace, kubeconfig),
            stackRoots: configuredRoots(stack),
        },
    });
    console.log(report.lines.join("\n"));
    return report.safe ? 0 : 1;
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
}
