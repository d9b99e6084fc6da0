/**
 * An adoption shown as what it is (lifecycle.adoptExisting): the objects that exist in the cluster get the `import`
 * option with the kubernetes provider's ID, the others stay creates; the cluster is listed once per kind and namespace.
 */
import * as pulumi from "@pulumi/pulumi";
import { allocatedFieldsTransform } from "../components/lifecycle/allocatedFields";
import { adoptExistingTransform, existingObjects, idIn, idsFrom, objectRef } from "../components/lifecycle/existingObjects";
import { KubectlResult } from "../components/lifecycle/kube";
import { Mesh } from "../components/mesh";
import { argsWith } from "./fixtures";
import { useMocks } from "./harness";

const mocks = useMocks();
beforeEach(() => mocks.reset());

const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "istiod-1-31-0", namespace: "istio-system" } };
const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "virtualservices.networking.istio.io" } };

describe("the object to look for", () => {
    test("its kind fully qualified (the core group empty), its namespace, the default one when it has none", () => {
        expect(objectRef("kubernetes:apps/v1:Deployment", deployment)).toEqual({ resource: "Deployment.v1.apps", namespace: "istio-system", name: "istiod-1-31-0" });
        expect(objectRef("kubernetes:core/v1:ConfigMap", { metadata: { name: "istio-1-31-0", namespace: "istio-system" } })).toEqual({
            resource: "ConfigMap.v1.",
            namespace: "istio-system",
            name: "istio-1-31-0",
        });
        expect(objectRef("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", crd)).toEqual({
            resource: "CustomResourceDefinition.v1.apiextensions.k8s.io",
            namespace: "default",
            name: "virtualservices.networking.istio.io",
        });
        expect(objectRef("kubernetes:networking.istio.io/v1:Gateway", { metadata: { name: "ingress", namespace: "edge" } })?.resource).toBe("Gateway.v1.networking.istio.io");
    });

    test("none for patches, lists, components and objects whose name is not known yet", () => {
        expect(objectRef("kubernetes:core/v1:NamespacePatch", { metadata: { name: "shop" } })).toBeUndefined();
        expect(objectRef("kubernetes:core/v1:ConfigMapList", { metadata: { name: "x" } })).toBeUndefined();
        expect(objectRef("kubernetes:helm.sh/v4:Chart", { metadata: { name: "x" } })).toBeUndefined();
        expect(objectRef("kubernetes:core/v1:Namespace", { metadata: { name: pulumi.output("shop") } })).toBeUndefined();
        expect(objectRef("kubernetes:core/v1:Service", { metadata: { name: "istiod", namespace: pulumi.output("istio-system") } })).toBeUndefined();
        expect(objectRef("kubernetes:core/v1:Service", {})).toBeUndefined();
    });
});

describe("the IDs of a listing", () => {
    test("namespace/name, and name alone for a cluster-scoped kind, as the kubernetes provider writes them", () => {
        const namespaced = idsFrom("istio-system/istiod-1-31-0\nistio-system/istio-1-31-0\n");
        expect(idIn(namespaced, { resource: "Deployment.v1.apps", namespace: "istio-system", name: "istiod-1-31-0" })).toBe("istio-system/istiod-1-31-0");
        expect(idIn(namespaced, { resource: "Deployment.v1.apps", namespace: "istio-system", name: "istiod-1-30-3" })).toBeUndefined();
        const clusterScoped = idsFrom("/virtualservices.networking.istio.io\n/gateways.networking.istio.io\n");
        expect(idIn(clusterScoped, { resource: "CustomResourceDefinition.v1.apiextensions.k8s.io", namespace: "default", name: "virtualservices.networking.istio.io" })).toBe(
            "virtualservices.networking.istio.io",
        );
    });
});

/** A kubectl that answers listings from a table (resource namespace -> result) and records its calls. */
function fakeKubectl(answers: Record<string, KubectlResult>): { calls: string[][]; run: (args: readonly string[]) => Promise<KubectlResult> } {
    const calls: string[][] = [];
    return {
        calls,
        run: async (args) => {
            calls.push([...args]);
            const key = `${args[1]} ${args[3]}`;
            const answer = answers[key];
            if (answer === undefined) {
                throw new Error(`unexpected kubectl ${args.join(" ")}`);
            }
            return answer;
        },
    };
}

describe("the transform", () => {
    const args = (type: string, props: Record<string, unknown>, opts: pulumi.CustomResourceOptions = {}) => ({ type, name: "mesh-istiod", props, opts, custom: true });

    test("an existing object gets import with its ID; one listing per kind and namespace, shared", async () => {
        const kubectl = fakeKubectl({
            "Deployment.v1.apps istio-system": { ok: true, stdout: "istio-system/istiod-1-31-0\n" },
            "CustomResourceDefinition.v1.apiextensions.k8s.io default": { ok: true, stdout: "/virtualservices.networking.istio.io\n" },
        });
        const transform = adoptExistingTransform(existingObjects(kubectl.run));
        const [first, second, missing, cluster] = await Promise.all([
            transform(args("kubernetes:apps/v1:Deployment", deployment, { import: "" })),
            transform(args("kubernetes:apps/v1:Deployment", deployment)),
            transform(args("kubernetes:apps/v1:Deployment", { ...deployment, metadata: { name: "istio-ingressgateway", namespace: "istio-system" } })),
            transform(args("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", crd)),
        ]);
        expect(first?.opts).toEqual({ import: "istio-system/istiod-1-31-0" });
        expect(first?.props).toBe(deployment);
        expect(second?.opts).toEqual({ import: "istio-system/istiod-1-31-0" });
        // Not in the cluster: left a create (an import of a missing object fails).
        expect(missing).toBeUndefined();
        expect(cluster?.opts).toEqual({ import: "virtualservices.networking.istio.io" });
        expect(kubectl.calls.map((call) => call.slice(0, 4))).toEqual([
            ["get", "Deployment.v1.apps", "-n", "istio-system"],
            ["get", "CustomResourceDefinition.v1.apiextensions.k8s.io", "-n", "default"],
        ]);
    });

    test("a kind the cluster does not serve has nothing to import; an import the program set is kept", async () => {
        const kubectl = fakeKubectl({
            "PeerAuthentication.v1.security.istio.io istio-system": {
                ok: false,
                error: 'Error from server (NotFound): Unable to list "security.istio.io/v1, Resource=peerauthentications": the server could not find the requested resource',
            },
        });
        const transform = adoptExistingTransform(existingObjects(kubectl.run));
        expect(await transform(args("kubernetes:security.istio.io/v1:PeerAuthentication", { metadata: { name: "default", namespace: "istio-system" } }))).toBeUndefined();
        expect(await transform(args("kubernetes:apps/v1:Deployment", deployment, { import: "istio-system/other" }))).toBeUndefined();
        expect(await transform({ ...args("kubernetes:helm.sh/v4:Chart", {}), custom: false })).toBeUndefined();
        expect(kubectl.calls.length).toBe(1);
    });

    test("a listing that fails otherwise stops the run with the key and the fix", async () => {
        const kubectl = fakeKubectl({ "Deployment.v1.apps istio-system": { ok: false, error: "The connection to the server 127.0.0.1:16843 was refused\nmore" } });
        const transform = adoptExistingTransform(existingObjects(kubectl.run));
        await expect(transform(args("kubernetes:apps/v1:Deployment", deployment))).rejects.toThrow(
            "lifecycle.adoptExisting: the cluster's Deployment.v1.apps objects in istio-system could not be listed (The connection to the server 127.0.0.1:16843 was refused). " +
                "Fix: make the cluster reachable with mesh.cluster, or set lifecycle.adoptExisting: false",
        );
    });
});

describe("the Mesh with lifecycle.adoptExisting", () => {
    test("a kubeconfig that is an Output cannot be read before the objects are registered: refused with the fix", () => {
        const args = { ...argsWith({ lifecycle: { adoptExisting: true } }), cluster: { kubeconfig: pulumi.output("apiVersion: v1\n") }, readLiveCrds: () => [] };
        expect(() => new Mesh("mesh", args)).toThrow(
            "lifecycle.adoptExisting: mesh.cluster.kubeconfig is an Output, so the cluster's existing objects cannot be read before they are registered. " +
                "Fix: give the kubeconfig as a string for the adoption, or set lifecycle.adoptExisting: false",
        );
    });

    test("no cluster to read: refused with the fix", () => {
        const args = { ...argsWith({ lifecycle: { adoptExisting: true }, cluster: { kubeconfig: "/nonexistent/kubeconfig" } }), readLiveCrds: () => [] };
        expect(() => new Mesh("mesh", args)).toThrow(
            "lifecycle.adoptExisting: there is no cluster to read (no mesh.cluster.kubeconfig, KUBECONFIG or ~/.kube/config). " +
                "Fix: set mesh.cluster.kubeconfig to the cluster to adopt, or set lifecycle.adoptExisting: false",
        );
    });
});

describe("the cluster IPs an adopted Service's state holds", () => {
    const service = { apiVersion: "v1", kind: "Service", metadata: { name: "istiod-1-31-0", namespace: "istio-system" } };
    const args = (type: string, opts: pulumi.CustomResourceOptions = {}) => ({ type, name: "mesh-istiod", props: service, opts, custom: true });

    test("are ignored by every Service (never a replacement for them), along with what the program ignores", () => {
        expect(allocatedFieldsTransform(args("kubernetes:core/v1:Service"))).toEqual({ props: service, opts: { ignoreChanges: ["spec.clusterIP", "spec.clusterIPs"] } });
        expect(allocatedFieldsTransform(args("kubernetes:core/v1:Service", { ignoreChanges: ["metadata.labels", "spec.clusterIP"] }))).toEqual({
            props: service,
            opts: { ignoreChanges: ["metadata.labels", "spec.clusterIP", "spec.clusterIPs"] },
        });
        expect(allocatedFieldsTransform(args("kubernetes:apps/v1:Deployment"))).toBeUndefined();
    });
});
