/**
 * The real engine against a real API server: preview, up, read back, a second up with no change, a change whose
 * preview shows exactly that change, an invalid configuration, the webhooks patched as istiod patches them, destroy.
 *
 * Run with `npm run e2e` (scripts/e2e.sh starts the local cluster and sets the environment). Istio's charts come from
 * ISTIO_CHARTS_DIR; without it the suite says that it skipped and why.
 *
 * On the local cluster the nodes are simulated: istiod's pod is Ready but nothing serves its webhooks. So the stack
 * runs here with webhooks.validationFailurePolicy Ignore (Istio resources are admitted without validation), and no
 * check below starts a pod that the injector must fill in (gateways, workloads in enrolled namespaces): those wait
 * for a real istiod.
 */
import { createPrivateKey, createPublicKey } from "crypto";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { find, getJson, kubectl, KubeObject } from "../../components/verify/kubectl";
import { changes, clusterEnv, E2eWorkspace, Step } from "./workspace";
import { basicConstraints, certificatesIn, keyUsage } from "../../components/verify/x509";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const version = process.env.ISTIO_E2E_VERSION ?? "1.30.3";
const revision = version.replace(/[^a-z0-9]+/g, "-");
const suite = chartsDirectory && kubeconfig ? describe : describe.skip;

if (!chartsDirectory || !kubeconfig) {
    console.log(
        `end-to-end suite skipped: ${!chartsDirectory ? `${CHARTS_DIRECTORY_ENV} is not set (Istio's charts are not reachable from here; point it at a local copy)` : "KUBECONFIG is not set"}`,
    );
}

const EXISTING_NAMESPACE = "e2e-existing";

function meshConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        istio: { version },
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "64Mi" } } },
        meshConfig: { accessLogFile: "/dev/stdout", trustDomain: "e2e.example.com" },
        mtls: { mode: "STRICT" },
        // Nothing serves the webhooks on simulated nodes; see the file comment.
        webhooks: { validationFailurePolicy: "Ignore" },
        // No istiod runs on the local cluster: the readiness gate says it skips its probes.
        readiness: { probe: "skip" },
        namespaces: [{ name: "e2e-shop" }, { name: EXISTING_NAMESPACE, existing: true }],
        cluster: { kubeconfig },
        ...overrides,
    };
}

/** kubectl's name for an object's type: Kind.version.group, or Kind for the core group. */
function resourceName(object: { apiVersion: string; kind: string }): string {
    const [group, apiVersion] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion];
    return group === "" ? object.kind : `${object.kind}.${apiVersion}.${group}`;
}

interface StateObject {
    readonly resourceName: string;
    readonly name: string;
    readonly namespace?: string;
}

suite("the mesh stack on a real API server", () => {
    jest.setTimeout(15 * 60 * 1000);
    const workspace = new E2eWorkspace("e2e", clusterEnv());
    let objects: StateObject[] = [];

    beforeAll(() => {
        kubectl(["create", "namespace", EXISTING_NAMESPACE]);
        workspace.configure(meshConfig());
    });

    afterAll(async () => {
        await workspace.remove().catch(() => undefined);
        kubectl(["delete", "namespace", EXISTING_NAMESPACE, "--ignore-not-found", "--wait=false"]);
        // The CRDs Istio keeps on purpose: the next suite starts from an empty cluster.
        for (const crd of objects.filter((object) => object.resourceName.startsWith("CustomResourceDefinition"))) {
            kubectl(["delete", "crd", crd.name, "--ignore-not-found"]);
        }
    });

    test("preview plans the whole mesh and creates nothing", async () => {
        const steps = await workspace.preview();
        expect(steps.filter((step) => step.op !== "create")).toEqual([]);
        const created = new Set(steps.map((step) => step.name));
        for (const name of ["mesh-namespace", "mesh-cacerts", "mesh-base", `mesh-istiod-${revision}`, "mesh-policy-mtls", "mesh-enrollment-e2e-shop"]) {
            expect(created).toContain(name);
        }
        expect(find("namespace", "istio-system")).toBeUndefined();
    });

    test("up succeeds", async () => {
        const { result } = await workspace.up();
        expect(result.summary.result).toBe("succeeded");
        objects = (await workspace.resources())
            .filter((resource) => resource.type.startsWith("kubernetes:") && resource.custom === true)
            .map((resource) => resource.outputs as unknown as KubeObject)
            .filter((object) => object?.metadata?.name !== undefined)
            .map((object) => ({ resourceName: resourceName(object), name: object.metadata.name, namespace: object.metadata.namespace }));
        const kinds = new Set(objects.map((object) => object.resourceName.split(".")[0]));
        for (const kind of ["Namespace", "Secret", "CustomResourceDefinition", "Deployment", "Service", "ConfigMap", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "PeerAuthentication"]) {
            expect(kinds).toContain(kind);
        }
        console.log(`the stack holds ${objects.length} Kubernetes objects`);
    });

    test("every object of the stack is in the cluster", () => {
        const missing = objects.filter((object) => find(object.resourceName, object.name, object.namespace) === undefined);
        expect(missing).toEqual([]);
    });

    test("Istio's CRDs are established", () => {
        const crds = getJson<{ items: KubeObject[] }>(["crd"]).items.filter((crd) => crd.metadata.name.endsWith(".istio.io"));
        expect(crds.length).toBeGreaterThanOrEqual(14);
        const notEstablished = crds.filter(
            (crd) => !((crd.status as { conditions?: { type: string; status: string }[] }).conditions ?? []).some(
                (condition) => condition.type === "Established" && condition.status === "True",
            ),
        );
        expect(notEstablished.map((crd) => crd.metadata.name)).toEqual([]);
    });

    test("istiod is ready", () => {
        const deployment = getJson(["deployment", `istiod-${revision}`, "-n", "istio-system"]) as KubeObject & {
            spec: { replicas: number };
            status: { readyReplicas?: number };
        };
        expect(deployment.status.readyReplicas).toBe(deployment.spec.replicas);
    });

    test("the webhooks are present, pointing at the revision's istiod", () => {
        const injector = find("mutatingwebhookconfiguration", `istio-sidecar-injector-${revision}`) as KubeObject & {
            webhooks: { clientConfig: { service: { name: string } } }[];
        };
        expect(injector.webhooks.map((webhook) => webhook.clientConfig.service.name)).toEqual(
            injector.webhooks.map(() => `istiod-${revision}`),
        );
        expect(find("mutatingwebhookconfiguration", "istio-revision-tag-default")).toBeDefined();
        const validator = find("validatingwebhookconfiguration", "istiod-default-validator") as KubeObject & {
            webhooks: { clientConfig: { service: { name: string } }; failurePolicy: string }[];
        };
        expect(validator.webhooks.map((webhook) => [webhook.clientConfig.service.name, webhook.failurePolicy])).toEqual([
            [`istiod-${revision}`, "Ignore"],
        ]);
    });

    test("the cacerts Secret holds a valid chain: a pathlen-0 CA for istiod, signed by the root it trusts", () => {
        const secret = getJson(["secret", "cacerts", "-n", "istio-system"]) as KubeObject & { data: Record<string, string> };
        expect(Object.keys(secret.data).sort()).toEqual(["ca-cert.pem", "ca-key.pem", "cert-chain.pem", "root-cert.pem"]);
        const pem = (key: string) => Buffer.from(secret.data[key], "base64").toString("utf8");
        const [intermediate] = certificatesIn(pem("ca-cert.pem"));
        const roots = certificatesIn(pem("root-cert.pem"));
        const chain = certificatesIn(pem("cert-chain.pem"));

        expect(intermediate.ca).toBe(true);
        expect(basicConstraints(intermediate)).toEqual({ critical: true, ca: true, pathLength: 0 });
        expect(keyUsage(intermediate)).toEqual({ critical: true, usages: ["digitalSignature", "keyEncipherment", "keyCertSign", "cRLSign"] });
        expect(intermediate.subjectAltName).toBe("DNS:istiod.istio-system.svc");
        expect(intermediate.subject).toContain("L=Kubernetes");
        expect(roots.length).toBe(1);
        expect(intermediate.checkIssued(roots[0])).toBe(true);
        expect(intermediate.verify(roots[0].publicKey)).toBe(true);
        expect(roots[0].verify(roots[0].publicKey)).toBe(true);
        expect(chain.map((certificate) => certificate.fingerprint256)).toEqual([intermediate.fingerprint256, roots[0].fingerprint256]);
        // The key in the Secret is the intermediate's.
        expect(createPublicKey(createPrivateKey(pem("ca-key.pem"))).export({ format: "jwk" })).toEqual(
            intermediate.publicKey.export({ format: "jwk" }),
        );
    });

    test("namespaces are enrolled: the owned one created, the existing one labeled", () => {
        expect(find("namespace", "e2e-shop")?.metadata.labels).toMatchObject({ "istio-injection": "enabled" });
        expect(find("namespace", EXISTING_NAMESPACE)?.metadata.labels).toMatchObject({ "istio-injection": "enabled" });
        expect(find("peerauthentication.v1.security.istio.io", "default", "istio-system")?.spec).toEqual({ mtls: { mode: "STRICT" } });
    });

    test("a second up changes nothing", async () => {
        const { steps, result } = await workspace.up();
        expect(changes(steps)).toEqual([]);
        expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
    });

    test("webhooks patched as istiod patches them (caBundle written) show no change, even after a refresh", async () => {
        const caBundle = Buffer.from("istiod's CA").toString("base64");
        for (const kind of ["mutatingwebhookconfiguration", "validatingwebhookconfiguration"]) {
            const items = getJson<{ items: (KubeObject & { webhooks: unknown[] })[] }>([kind, "-l", "app.kubernetes.io/name=istiod"]).items;
            expect(items.length).toBeGreaterThan(0);
            for (const item of items) {
                const patch = item.webhooks.map((_webhook, index) => ({ op: "add", path: `/webhooks/${index}/clientConfig/caBundle`, value: caBundle }));
                kubectl(["patch", kind, item.metadata.name, "--type=json", "--field-manager=pilot-discovery", "-p", JSON.stringify(patch)]);
            }
        }
        expect(changes(await workspace.preview({ refresh: true }))).toEqual([]);
        const validator = find("validatingwebhookconfiguration", "istiod-default-validator") as KubeObject & { webhooks: { clientConfig: { caBundle?: string } }[] };
        expect(validator.webhooks[0].clientConfig.caBundle).toBe(caBundle);
    });

    test("a configuration change previews as exactly that change, in place", async () => {
        workspace.configure(meshConfig({ meshConfig: { accessLogFile: "", trustDomain: "e2e.example.com" } }));
        const planned = changes(await workspace.preview());
        // istiod's mesh configuration, and the chart's record of its values; updated, never deleted and re-created
        // (istiod would read a missing mesh config in between).
        expect(planned.map((step: Step) => [step.op, step.type, step.name]).sort()).toEqual([
            ["update", "kubernetes:core/v1:ConfigMap", `mesh-istiod:istio-system/istio-${revision}`],
            ["update", "kubernetes:core/v1:ConfigMap", `mesh-istiod:istio-system/values-${revision}`],
            // The readiness gate probes again when what istiod runs changes (its digest of istiod's values): the
            // resources after it wait for istiod to serve the new configuration. It applies nothing to the cluster.
            ["update", "pulumi-nodejs:dynamic/readiness:ReadinessGate", "mesh-ready"],
            // Pulumi hands a dynamic provider (the intermediate CA's signer) the whole stack configuration; it changes
            // nothing else.
            ["update", "pulumi:providers:pulumi-nodejs", "default"],
        ]);
        const { result } = await workspace.up();
        // The update's summary counts resources only: the two ConfigMaps and the gate.
        expect(result.summary.resourceChanges).toMatchObject({ update: 3 });
    });

    test("an invalid configuration fails at preview, naming the key, and creates nothing", async () => {
        const before = (await workspace.resources()).length;
        workspace.configure(meshConfig({ istiod: { replicas: 0 } }));
        await expect(workspace.preview()).rejects.toThrow(/mesh\.istiod\.replicas: got 0; allowed: at least 1/);
        expect((await workspace.resources()).length).toBe(before);
        workspace.configure(meshConfig({ meshConfig: { accessLogFile: "", trustDomain: "e2e.example.com" } }));
    });

    test("destroy leaves none of the stack's objects but Istio's CRDs, and the existing namespace without its label", async () => {
        await workspace.destroy();
        const left = objects.filter(
            (object) => object.name !== EXISTING_NAMESPACE && find(object.resourceName, object.name, object.namespace) !== undefined,
        );
        // Istio marks its CRDs helm.sh/resource-policy: keep, so that a destroy never deletes every Istio resource of
        // the cluster with them; the stack honours it.
        const kept = left.map((object) => find(object.resourceName, object.name, object.namespace));
        expect(left.map((object) => object.resourceName.split(".")[0])).toEqual(left.map(() => "CustomResourceDefinition"));
        expect(kept.map((object) => (object?.metadata as { annotations?: Record<string, string> }).annotations?.["helm.sh/resource-policy"])).toEqual(
            kept.map(() => "keep"),
        );
        const existing = find("namespace", EXISTING_NAMESPACE);
        expect(existing).toBeDefined();
        expect(existing?.metadata.labels?.["istio-injection"]).toBeUndefined();
    });
});
