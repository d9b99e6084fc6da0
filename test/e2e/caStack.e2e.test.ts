/**
 * One root in one place, with the real engine on a real API server: a CA stack and two cluster stacks in one state
 * backend (a file backend of their own). The two "clusters" are two meshes on the local cluster, each in its own
 * Istio namespace, with its own multiCluster.clusterName and its own Istio release (so their revisions, hence their
 * injector webhooks, differ; Istio's CRDs and its default validator are shared, as on any cluster that runs two
 * meshes).
 *
 * 1. the CA stack up: one root, an intermediate for east and one for west; no cluster is touched;
 * 2. a cluster the CA stack does not list fails before anything is applied (preview, then up: nothing created);
 * 3. east and west up, each with pki.caStack (east names the CA stack as org/project/stack, west by its short name);
 * 4. each cluster's exported state (`pulumi stack export --show-secrets`) holds its own intermediate's key, never the
 *    root's; the other cluster's key only in the stack reference's record of the CA stack's outputs;
 * 5. both cacerts Secrets, read from the API server, chain to the one root of the CA stack (X.509 signatures);
 * 6. second ups of the three stacks change nothing;
 * 7. a cluster added to the CA stack is exactly its key, request and certificate; removed, exactly those deleted.
 *
 * Times of each step are printed (the report's numbers); no step is timed against a limit.
 */
import * as automation from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import { createPrivateKey, createPublicKey, X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { find, getJson, KubeObject } from "../../components/verify/kubectl";
import { basicConstraints, certificatesIn, keyUsage } from "../../components/verify/x509";
import { changes, clusterEnv, deleteIstioCrds, ProjectFolder, Step } from "./workspace";
import { flattened, pemBody, privateKeyBodies } from "./stateSearch";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const suite = chartsDirectory && kubeconfig ? describe : describe.skip;

if (!chartsDirectory || !kubeconfig) {
    console.log(`CA stack suite skipped: ${!chartsDirectory ? `${CHARTS_DIRECTORY_ENV} is not set` : "KUBECONFIG is not set"}`);
}

/** The two meshes: their name in the CA stack, Istio namespace and release, and how each names the CA stack. */
const CLUSTERS = {
    east: { namespace: "istio-east", version: process.env.ISTIO_E2E_VERSION ?? "1.30.3", caStack: "organization/istio-mesh/ca" },
    west: { namespace: "istio-west", version: process.env.ISTIO_E2E_OTHER_VERSION ?? "1.31.0-rc.0", caStack: "ca" },
} as const;
type ClusterName = keyof typeof CLUSTERS;

function meshConfig(cluster: string, namespace: string, version: string, caStack: string): Record<string, unknown> {
    return {
        istio: { version },
        namespace,
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        pki: { caStack },
        multiCluster: { clusterName: cluster, meshId: "mesh1" },
        // No istiod runs on the local cluster: nothing serves the webhooks, the readiness gate skips its probes.
        webhooks: { validationFailurePolicy: "Ignore" },
        readiness: { probe: "skip" },
        cluster: { kubeconfig },
    };
}

function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    return run().finally(() => console.log(`${what}: ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(1)} s`));
}

function collect(steps: Step[]): (event: automation.EngineEvent) => void {
    return (event) => {
        const metadata = event.resourcePreEvent?.metadata;
        if (metadata !== undefined) {
            steps.push({ op: metadata.op, type: metadata.type, name: metadata.urn.split("::").pop()!, diffs: metadata.diffs ?? [] });
        }
    };
}

/** The three stacks share one project folder and one file backend, so that stack references resolve. */
class Stacks {
    readonly folder = new ProjectFolder("e2e-ca", { ownBackend: true });
    private readonly env: Record<string, string> = {
        ...clusterEnv(),
        PULUMI_BACKEND_URL: this.folder.backendUrl!,
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
    };
    private readonly stacks = new Map<string, Promise<automation.Stack>>();

    /** Sets one stack configuration key (`ca` or `mesh`), keeping the rest of the stack file (its encryption salt). */
    configure(stackName: string, key: "ca" | "mesh", value: Record<string, unknown>): void {
        const file = path.join(this.folder.dir, `Pulumi.${stackName}.yaml`);
        const current = fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> }) : {};
        fs.writeFileSync(file, stringify({ ...current, config: { ...(current.config ?? {}), [`istio-mesh:${key}`]: value } }));
    }

    stack(stackName: string): Promise<automation.Stack> {
        if (!this.stacks.has(stackName)) {
            this.stacks.set(
                stackName,
                automation.LocalWorkspace.createStack({ stackName, workDir: this.folder.dir }, { workDir: this.folder.dir, envVars: this.env }),
            );
        }
        return this.stacks.get(stackName)!;
    }

    async preview(stackName: string): Promise<Step[]> {
        const steps: Step[] = [];
        await (await this.stack(stackName)).preview({ onEvent: collect(steps), diff: true });
        return steps;
    }

    async up(stackName: string): Promise<{ steps: Step[]; result: automation.UpResult }> {
        const steps: Step[] = [];
        const result = await (await this.stack(stackName)).up({ onEvent: collect(steps) });
        return { steps, result };
    }

    /** The state as `pulumi stack export --show-secrets` writes it: secrets decrypted. */
    exportWithSecrets(stackName: string): string {
        return execFileSync("pulumi", ["stack", "export", "--show-secrets", "--stack", stackName], {
            cwd: this.folder.dir,
            env: { ...process.env, ...this.env },
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
    }

    async discard(): Promise<void> {
        for (const stackName of [...this.stacks.keys()].reverse()) {
            const stack = await this.stack(stackName);
            await stack.destroy().catch((error) => console.log(`destroy of ${stackName} failed: ${error}`));
            await stack.workspace.removeStack(stackName).catch(() => undefined);
        }
        this.folder.remove();
    }
}

/** What a preview changes, as "op name" lines, without the dynamic provider's configuration (it gets the whole stack configuration). */
function summary(steps: readonly Step[]): string[] {
    return changes(steps)
        .filter((step) => step.type !== "pulumi:providers:pulumi-nodejs")
        .map((step) => `${step.op} ${step.name}`)
        .sort();
}

function cacerts(namespace: string): Record<string, string> {
    const secret = getJson(["secret", "cacerts", "-n", namespace]) as KubeObject & { data: Record<string, string> };
    return Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));
}

suite("a CA stack and two cluster stacks: one root, an intermediate each, no root key in any cluster's state", () => {
    jest.setTimeout(30 * 60 * 1000);
    const stacks = new Stacks();
    let caOutputs: automation.OutputMap = {};
    let rootKeyBody = "";

    beforeAll(() => {
        stacks.configure("ca", "ca", { clusters: [{ name: "east", istioNamespace: "istio-east" }, { name: "west", istioNamespace: "istio-west" }] });
        for (const [name, cluster] of Object.entries(CLUSTERS)) {
            stacks.configure(name, "mesh", meshConfig(name, cluster.namespace, cluster.version, cluster.caStack));
        }
        stacks.configure("north", "mesh", meshConfig("north", "istio-north", CLUSTERS.east.version, "ca"));
    });

    afterAll(async () => {
        await stacks.discard();
        deleteIstioCrds();
    });

    test("1. the CA stack up: its root and an intermediate per listed cluster, and nothing else", async () => {
        const { steps, result } = await timed("CA stack: up", () => stacks.up("ca"));
        expect(result.summary.result).toBe("succeeded");
        const created = changes(steps)
            .filter((step) => !step.type.startsWith("pulumi:providers:"))
            .map((step) => `${step.op} ${step.type} ${step.name}`)
            .sort();
        expect(created).toEqual(
            [
                "create mesh:pki:MeshCa ca",
                "create pulumi:pulumi:Stack istio-mesh-ca",
                "create tls:index/privateKey:PrivateKey ca-root-root",
                "create tls:index/selfSignedCert:SelfSignedCert ca-root-root",
                ...["east", "west"].flatMap((cluster) => [
                    `create tls:index/privateKey:PrivateKey ca-intermediate-${cluster}`,
                    `create tls:index/certRequest:CertRequest ca-intermediate-${cluster}`,
                    `create pulumi-nodejs:dynamic/pki:IntermediateCertificate ca-intermediate-${cluster}`,
                ]),
            ].sort(),
        );
        caOutputs = result.outputs;
        expect(caOutputs.clusters.value).toEqual(["east", "west"]);
        expect(caOutputs.clusterIntermediateKeys.secret).toBe(true);
        expect(caOutputs.clusterIntermediates.secret).toBe(false);
        expect(Object.keys(caOutputs).sort()).toEqual(["clusterIntermediateKeys", "clusterIntermediates", "clusters", "rootCertificatePem", "trustedRootsPem"]);
        // The root's key, as the CA stack's own state holds it: what no other state may hold.
        const exported = stacks.exportWithSecrets("ca");
        const state = JSON.parse(exported) as { deployment: { resources: { type: string; urn: string; outputs?: Record<string, unknown> }[] } };
        const rootKey = state.deployment.resources.find((resource) => resource.type === "tls:index/privateKey:PrivateKey" && resource.urn.endsWith("::ca-root-root"));
        [rootKeyBody] = privateKeyBodies(JSON.stringify(rootKey?.outputs?.privateKeyPem ?? ""));
        expect(rootKeyBody.length).toBeGreaterThan(100);
        // The grep of step 4 finds it where it is.
        expect(flattened(exported)).toContain(rootKeyBody);
        // The CA stack's outputs hold no root key.
        expect(flattened(JSON.stringify(caOutputs))).not.toContain(rootKeyBody);
        expect(privateKeyBodies(JSON.stringify(caOutputs.clusterIntermediates.value))).toEqual([]);
    });

    test("2. a cluster the CA stack does not list fails before anything is applied, with the fix", async () => {
        const expected = /the CA stack ca issues no intermediate for it \(its ca\.clusters: east, west\)\. Fix: add \{name: north\} to ca\.clusters of the CA stack/;
        const preview = await timed("unlisted cluster: preview", () => stacks.preview("north").then(() => "", (error: Error) => error.message));
        expect(preview).toMatch(expected);
        const up = await timed("unlisted cluster: up", () => stacks.up("north").then(() => "", (error: Error) => error.message));
        expect(up).toMatch(expected);
        expect(up).not.toMatch(/\n\s+at /);
        console.log(`unlisted cluster: what the up prints:\n${[...new Set(up.split("\n").filter((line) => line.includes("issues no intermediate")).map((line) => line.trim()))].join("\n")}`);
        expect(find("namespace", "istio-north")).toBeUndefined();
        const exported = (await (await stacks.stack("north")).exportStack()).deployment as { resources?: { type: string }[] };
        expect((exported.resources ?? []).filter((resource) => resource.type.startsWith("kubernetes:") && !resource.type.startsWith("kubernetes:helm"))).toEqual([]);
    });

    test.each(Object.keys(CLUSTERS) as ClusterName[])("3. %s up with pki.caStack: no root, no key and no signing of its own", async (name) => {
        const { steps, result } = await timed(`${name}: up`, () => stacks.up(name));
        expect(result.summary.result).toBe("succeeded");
        const created = changes(steps);
        expect(created.filter((step) => step.type.startsWith("tls:") || step.type.includes("IntermediateCertificate"))).toEqual([]);
        // The stack reference is a read of the CA stack's outputs.
        // The CA stack is read by the engine's function, not through a stack reference (whose state keeps every output).
        expect(steps.filter((step) => step.type === "pulumi:pulumi:StackReference")).toEqual([]);
        expect(created.map((step) => step.name)).toContain("mesh-cacerts");
        console.log(`${name}: ${created.length} resources created`);
        expect(result.outputs.rootCertificatePem.value).toBe(caOutputs.rootCertificatePem.value);
        expect(result.outputs.rootPrivateKeyPem).toBeUndefined();
    });

    test("4. each cluster's exported state holds its own intermediate's key alone: never the root's, never the other cluster's", async () => {
        const intermediateKeys = caOutputs.clusterIntermediateKeys.value as Record<ClusterName, string>;
        for (const name of Object.keys(CLUSTERS) as ClusterName[]) {
            const other: ClusterName = name === "east" ? "west" : "east";
            const exported = stacks.exportWithSecrets(name);
            const keys = privateKeyBodies(exported);
            // Secrets are shown: the greps below see a key where there is one (its own intermediate's).
            expect(keys).toContain(pemBody(intermediateKeys[name]));
            expect(flattened(exported)).not.toContain(rootKeyBody);
            expect(keys).not.toContain(rootKeyBody);
            // The CA stack's outputs (every cluster's intermediate key) are read, never recorded: only the cacerts
            // Secret holds a key, this cluster's own.
            const state = JSON.parse(exported) as { deployment: { resources: { type: string; urn: string }[] } };
            const holders = (key: string) =>
                state.deployment.resources.filter((resource) => privateKeyBodies(JSON.stringify(resource)).includes(key)).map((resource) => resource.type);
            expect(holders(pemBody(intermediateKeys[other]))).toEqual([]);
            expect(flattened(exported)).not.toContain(pemBody(intermediateKeys[other]));
            expect(holders(pemBody(intermediateKeys[name]))).toEqual(["kubernetes:core/v1:Secret"]);
            const cacertsState = state.deployment.resources.find((resource) => resource.urn.endsWith("::mesh-cacerts"));
            expect(privateKeyBodies(JSON.stringify(cacertsState))).toEqual(expect.arrayContaining([pemBody(intermediateKeys[name])]));
            expect(privateKeyBodies(JSON.stringify(cacertsState))).not.toContain(pemBody(intermediateKeys[other]));
            const whose = (key: string) => (key === pemBody(intermediateKeys[name]) ? "own" : key === pemBody(intermediateKeys[other]) ? "other" : "unknown");
            const counts: Record<string, number> = {};
            for (const key of keys) counts[whose(key)] = (counts[whose(key)] ?? 0) + 1;
            expect(counts.unknown).toBeUndefined();
            expect(counts.other).toBeUndefined();
            console.log(`${name}: exported state ${exported.length} bytes; private keys in it: ${JSON.stringify(counts)} (the root's: none)`);
        }
    });

    test("5. both cacerts Secrets chain to the CA stack's one root (real X.509 signatures)", () => {
        const [caRoot] = certificatesIn(String(caOutputs.rootCertificatePem.value));
        const fingerprints: string[] = [];
        for (const [name, cluster] of Object.entries(CLUSTERS)) {
            const data = cacerts(cluster.namespace);
            expect(Object.keys(data).sort()).toEqual(["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
            const [intermediate] = certificatesIn(data["ca-cert.pem"]);
            const roots = certificatesIn(data["root-cert.pem"]);
            const chain = certificatesIn(data["cert-chain.pem"]);
            expect(roots.map((root) => root.fingerprint256)).toEqual([caRoot.fingerprint256]);
            expect(chain.map((certificate) => certificate.fingerprint256)).toEqual([intermediate.fingerprint256, caRoot.fingerprint256]);
            expect(intermediate.checkIssued(caRoot)).toBe(true);
            expect(intermediate.verify(caRoot.publicKey)).toBe(true);
            expect(caRoot.verify(caRoot.publicKey)).toBe(true);
            expect(basicConstraints(intermediate)).toEqual({ critical: true, ca: true, pathLength: 0 });
            expect(keyUsage(intermediate)).toEqual({ critical: true, usages: ["digitalSignature", "keyEncipherment", "keyCertSign", "cRLSign"] });
            expect(intermediate.subject).toContain(`L=${name}`);
            expect(intermediate.subjectAltName).toBe(`DNS:istiod.${cluster.namespace}.svc`);
            expect(createPublicKey(createPrivateKey(data["ca-key.pem"])).export({ format: "jwk" })).toEqual(intermediate.publicKey.export({ format: "jwk" }));
            fingerprints.push(intermediate.fingerprint256);
        }
        // Two intermediates, one root.
        expect(new Set(fingerprints).size).toBe(2);
        const [east, west] = Object.values(CLUSTERS).map((cluster) => new X509Certificate(cacerts(cluster.namespace)["ca-cert.pem"]));
        expect(east.verify(west.publicKey)).toBe(false);
    });

    test.each(["ca", "east", "west"])("6. a second up of %s changes nothing", async (stackName) => {
        const { steps, result } = await timed(`${stackName}: second up`, () => stacks.up(stackName));
        expect(changes(steps)).toEqual([]);
        expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
    });

    test("7. adding a cluster to the CA stack is exactly its intermediate; removing it deletes exactly that", async () => {
        const withNorth = { clusters: [{ name: "east", istioNamespace: "istio-east" }, { name: "west", istioNamespace: "istio-west" }, { name: "north", istioNamespace: "istio-north" }] };
        stacks.configure("ca", "ca", withNorth);
        const added = await timed("CA stack: preview of a cluster added", () => stacks.preview("ca"));
        expect(summary(added)).toEqual(["create ca-intermediate-north", "create ca-intermediate-north", "create ca-intermediate-north"]);
        expect((await timed("CA stack: up of a cluster added", () => stacks.up("ca"))).result.summary.result).toBe("succeeded");
        stacks.configure("ca", "ca", { clusters: withNorth.clusters.slice(0, 2) });
        const removed = await timed("CA stack: preview of a cluster removed", () => stacks.preview("ca"));
        expect(changes(removed).filter((step) => step.type !== "pulumi:providers:pulumi-nodejs").map((step) => `${step.op} ${step.type}`).sort()).toEqual(
            [
                "delete pulumi-nodejs:dynamic/pki:IntermediateCertificate",
                "delete tls:index/certRequest:CertRequest",
                "delete tls:index/privateKey:PrivateKey",
            ].sort(),
        );
        const { result } = await timed("CA stack: up of a cluster removed", () => stacks.up("ca"));
        expect(result.outputs.clusters.value).toEqual(["east", "west"]);
        // The clusters that stay keep their intermediates: their stacks see no change.
        expect(changes(await stacks.preview("east"))).toEqual([]);
    });
});
