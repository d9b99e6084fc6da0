import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Mesh } from "../components/mesh";
import { argsWith } from "./fixtures";
import { unwrap, useMocks } from "./harness";

const mocks = useMocks();
beforeEach(() => mocks.reset());

describe("Mesh", () => {
    test("makes one Kubernetes provider for the current kube context by default and composes through it", async () => {
        new Mesh("mesh", argsWith());
        await mocks.settled();
        const providers = mocks.ofType("pulumi:providers:kubernetes");
        expect(providers.map((provider) => [provider.name, provider.inputs])).toEqual([
            // Mutable ConfigMaps and Secrets: istiod's mesh config and cacerts are updated in place, never re-created.
            ["mesh-kubernetes", { enableConfigMapMutable: "true", enableSecretMutable: "true" }],
        ]);
        const kubernetesResources = mocks.resources.filter((resource) => resource.type.startsWith("kubernetes:"));
        // Namespace, CA Secret, base and istiod charts, and the mesh-wide PeerAuthentication.
        expect(kubernetesResources.map((resource) => resource.name).sort()).toEqual([
            "mesh-base",
            "mesh-cacerts",
            "mesh-istiod-1-30-3",
            "mesh-namespace",
            "mesh-policy-mtls",
        ]);
        // A provider reference is "<urn>::<id>"; the URN ends with the provider's name.
        expect(kubernetesResources.map((resource) => resource.provider)).toEqual(
            kubernetesResources.map(() => expect.stringMatching(/\$pulumi:providers:kubernetes::mesh-kubernetes::mesh-kubernetes-id$/)),
        );
    });

    test("uses the configured kubeconfig and context", async () => {
        new Mesh("mesh", argsWith({ cluster: { kubeconfig: "/etc/mesh/kubeconfig", context: "prod-eu" } }));
        await mocks.settled();
        expect(mocks.named("mesh-kubernetes").inputs).toMatchObject({ kubeconfig: "/etc/mesh/kubeconfig", context: "prod-eu" });
    });

    test("uses a provider given by the caller instead of making one", async () => {
        const provider = new k8s.Provider("callers-cluster", {});
        new Mesh("mesh", argsWith(), { providers: [provider] });
        await mocks.settled();
        expect(mocks.ofType("pulumi:providers:kubernetes").map((resource) => resource.name)).toEqual(["callers-cluster"]);
        expect(mocks.named("mesh-istiod-1-30-3").provider).toMatch(/::callers-cluster::/);
    });

    test("a provider given as { provider } reaches every Kubernetes resource, the gateways' Namespace too", async () => {
        const provider = new k8s.Provider("callers-cluster", {});
        new Mesh("mesh", argsWith({ gateways: [{ name: "istio-ingressgateway", kind: "ingress" }] }), { provider });
        await mocks.settled();
        const kubernetes = mocks.resources.filter((resource) => resource.type.startsWith("kubernetes:"));
        expect(kubernetes.map((resource) => resource.name)).toContain("mesh-gateway-namespace-istio-ingress");
        expect(kubernetes.map((resource) => resource.provider)).toEqual(kubernetes.map(() => expect.stringMatching(/::callers-cluster::/)));
    });

    test("a namespace created elsewhere in the program is enrolled by its Output name, and never owned", async () => {
        const apps = new k8s.core.v1.Namespace("apps", { metadata: { name: "apps-prod" } });
        new Mesh("mesh", { istio: { version: "1.30.3" }, namespaces: [{ name: apps.metadata.name, existing: true, key: "apps", tag: "default" }] });
        await mocks.settled();
        expect(mocks.named("mesh-enrollment-apps")).toMatchObject({
            type: "kubernetes:core/v1:NamespacePatch",
            inputs: { metadata: { name: "apps-prod", labels: { "istio-injection": "enabled" } } },
        });
        expect(() => new Mesh("bad", { istio: { version: "1.30.3" }, namespaces: [{ name: apps.metadata.name, existing: true, key: "kube-system" }] })).toThrow(
            /mesh\.namespaces\[0\]\.name: got "kube-system"; "kube-system" must never be injected/,
        );
    });

    test("two meshes with different names do not collide", async () => {
        new Mesh("east", argsWith());
        new Mesh("west", argsWith());
        await mocks.settled();
        const names = mocks.resources.map((resource) => `${resource.type} ${resource.name}`);
        expect(new Set(names).size).toBe(names.length);
    });

    test("exposes version, revision, namespace and trust domain", async () => {
        const mesh = new Mesh("mesh", argsWith({ istio: { version: "1.31.0" }, namespace: "mesh-system" }));
        expect([mesh.version, mesh.revision, await unwrap(mesh.namespace), mesh.trustDomain]).toEqual([
            "1.31.0",
            "1-31-0",
            "mesh-system",
            "cluster.local",
        ]);
    });

    test("takes the configuration as a stack file writes it, and validates it with the stack's messages", async () => {
        const mesh = new Mesh("mesh", {
            istio: { version: "1.30.3" },
            istiod: { replicas: 2 },
            gateways: [{ name: "istio-ingressgateway", kind: "ingress", replicas: 2 }],
        });
        await mocks.settled();
        expect(mesh.settings.istiod.replicas).toBe(2);
        const chart = mocks.ofType("kubernetes:helm.sh/v4:Chart").find((resource) => resource.name === "mesh-gateway-istio-ingressgateway")!;
        expect((chart.inputs.values as { replicaCount: number }).replicaCount).toBe(2);
    });

    test("an invalid configuration is a ResourceError with the message alone, and no child is registered", async () => {
        let thrown: unknown;
        try {
            new Mesh("mesh", { istio: { version: "1.28.0" }, istiod: { replicas: 0 } });
        } catch (error) {
            thrown = error;
        }
        expect(pulumi.ResourceError.isInstance(thrown)).toBe(true);
        const error = thrown as pulumi.ResourceError;
        expect(error.hideStack).toBe(true);
        expect(error.message).toMatch(/^Invalid mesh configuration \(2 problems\); nothing was changed:\n  - mesh\.istio\.version: got "1\.28\.0"; .*\n  - mesh\.istiod\.replicas: got 0; /);
        await mocks.settled();
        expect(mocks.resources.map((resource) => resource.type)).toEqual(["mesh:istio:Mesh"]);
    });

    test("a kubeconfig held as an Output reaches the provider", async () => {
        const kubeconfig = pulumi.secret("apiVersion: v1\nkind: Config\n");
        new Mesh("mesh", { istio: { version: "1.30.3" }, cluster: { kubeconfig, context: "prod-eu" } });
        await mocks.settled();
        expect(mocks.named("mesh-kubernetes").inputs).toMatchObject({ kubeconfig: "apiVersion: v1\nkind: Config\n", context: "prod-eu" });
    });
});
