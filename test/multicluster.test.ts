/**
 * Multi-primary: the multiCluster configuration (defaults and every refusal), the objects it makes (the network label,
 * the reader's token and exported kubeconfig, a remote secret per peer, the east-west gateway), their secrecy and
 * order, and the pure values and objects behind them.
 */
import * as pulumi from "@pulumi/pulumi";
import { READ_STACK_OUTPUTS } from "../components/program/stackOutputs";
import { Mesh, MeshArgs } from "../components/mesh";
import { crossNetworkGatewayObject, eastWestGatewayValues } from "../components/multicluster/eastWestValues";
import { readerKubeconfig, remoteSecretMetadata } from "../components/multicluster/kubeconfig";
import { networkLabels } from "../components/multicluster/network";
import { argsWith, configProblems, configWith, settingsWith } from "./fixtures";
import { unwrap, useMocks } from "./harness";

const PEER_KUBECONFIG = "kubeconfig of cluster-b's reader";
const CA = Buffer.from("the cluster's CA").toString("base64");
const TOKEN = "the reader's token";

const mocks = useMocks({
    calls: {
        [READ_STACK_OUTPUTS]: (args) => ({
            name: args.inputs.name,
            outputs: { readerKubeconfig: `${PEER_KUBECONFIG} from ${String(args.inputs.name)}` },
            secretOutputNames: ["readerKubeconfig"],
        }),
    },
    overrides: {
        // The token Secret as the controller manager fills it (what the read finds).
        "kubernetes:core/v1:Secret": (args) =>
            args.name.endsWith("-token-filled") ? { data: { token: Buffer.from(TOKEN).toString("base64"), "ca.crt": CA } } : {},
    },
});
beforeEach(() => mocks.reset());

const FULL = {
    multiCluster: {
        meshId: "mesh1",
        clusterName: "cluster-a",
        network: "network-a",
        apiServer: "https://api.cluster-a.example.com:6443",
        peers: [{ name: "cluster-b", stack: "acme/istio-mesh/cluster-b" }],
        eastWestGateway: {},
    },
};

async function mesh(patch: Record<string, unknown>, extra: Partial<MeshArgs> = {}): Promise<Mesh> {
    const component = new Mesh("mesh", { ...argsWith(patch), ...extra }, { transformations: [mocks.recordDependencies] });
    await mocks.settled();
    return component;
}

describe("multiCluster settings", () => {
    test("a single cluster: no peers, no gateway, Istio's keys untouched", () => {
        expect(settingsWith().multiCluster).toEqual({ peers: [] });
    });

    test("the east-west gateway's defaults: Istio's name, a namespace of its own, a load balancer, one pod", () => {
        expect(settingsWith(FULL).multiCluster.eastWestGateway).toEqual({
            name: "istio-eastwestgateway",
            namespace: "istio-eastwest",
            network: "network-a",
            serviceType: "LoadBalancer",
            serviceAnnotations: {},
            replicas: 1,
        });
        expect(settingsWith(FULL).multiCluster.peers).toEqual([{ name: "cluster-b", stack: "acme/istio-mesh/cluster-b" }]);
    });

    test("the remote profile is refused with what is supported", () => {
        expect(configProblems(configWith({ istio: { version: "1.30.3", profile: "remote" } }))).toEqual([
            'mesh.istio.profile: got "remote"; primary-remote (a cluster without its own istiod) is not supported. Supported: multi-primary on one or ' +
                "several networks, where every cluster runs istiod and reads its peers (multiCluster.clusterName, multiCluster.apiServer, " +
                "multiCluster.peers, and multiCluster.network with multiCluster.eastWestGateway on several networks). Fix: remove istio.profile and " +
                "list the clusters as peers",
        ]);
    });

    test("every problem of the section at once: no name, a peer twice, the gateway without a network, in the Istio namespace", () => {
        expect(
            configProblems(
                configWith({
                    multiCluster: {
                        peers: [{ name: "cluster-b" }, { name: "cluster-b" }],
                        eastWestGateway: { namespace: "istio-system" },
                    },
                }),
            ),
        ).toEqual([
            "mesh.multiCluster.clusterName: got nothing; required with multiCluster.peers: every cluster of the mesh needs a name of its own " +
                '(Istio\'s default "Kubernetes" would be every cluster\'s). Fix: e.g. multiCluster.clusterName: cluster-a',
            'mesh.multiCluster.peers: got "cluster-b"; peer "cluster-b" is listed twice. Fix: keep one entry',
            "mesh.multiCluster.network: got nothing; required with multiCluster.eastWestGateway, which is the gateway of this cluster's network. " +
                "Fix: set multiCluster.network (e.g. network1), or remove eastWestGateway when every cluster is on one network",
            'mesh.multiCluster.eastWestGateway.namespace: got "istio-system"; "istio-system" is never injected (the Istio namespace), so the ' +
                "gateway's pods would run without their proxy. Fix: use a namespace of its own, e.g. istio-eastwest",
        ]);
    });

    test("a peer with this cluster's own name, an API server that is not https, a gateway namespace another section uses", () => {
        expect(
            configProblems(
                configWith({
                    multiCluster: { clusterName: "cluster-a", network: "n1", apiServer: "http://10.0.0.1:6443", peers: [{ name: "cluster-a" }], eastWestGateway: { namespace: "shop" } },
                    namespaces: [{ name: "shop" }],
                }),
            ),
        ).toEqual([
            'mesh.multiCluster.apiServer: got "http://10.0.0.1:6443"; allowed: the API server\'s https URL as other clusters reach it. Fix: e.g. https://api.cluster-b.example.com:6443',
            'mesh.multiCluster.peers[0].name: got "cluster-a"; is this cluster\'s own name (multiCluster.clusterName): istiod reads its own cluster without a remote secret. Fix: remove the entry',
            'mesh.multiCluster.eastWestGateway.namespace: got "shop"; is a namespace of namespaces[] or gateways[]: the east-west gateway\'s namespace is its own. Fix: e.g. istio-eastwest',
        ]);
    });

    test("an ambient mesh's east-west gateway is refused: Istio crosses networks there with the istio-east-west class", () => {
        expect(configProblems(configWith({ dataPlane: { mode: "ambient" }, multiCluster: { clusterName: "a", network: "n1", eastWestGateway: {} } }))).toEqual([
            "mesh.multiCluster.eastWestGateway: got nothing; is a sidecar-mode network gateway (AUTO_PASSTHROUGH on 15443); ambient meshes cross " +
                "networks through Istio's Gateway API class istio-east-west (HBONE on 15008), which this stack does not make. Fix: remove " +
                "eastWestGateway, or use dataPlane.mode sidecar",
        ]);
    });

    test("the API server alone also needs the cluster's name", () => {
        expect(configProblems(configWith({ multiCluster: { apiServer: "https://10.0.0.1:6443" } }))).toEqual([
            "mesh.multiCluster.clusterName: got nothing; required with multiCluster.apiServer: every cluster of the mesh needs a name of its own " +
                '(Istio\'s default "Kubernetes" would be every cluster\'s). Fix: e.g. multiCluster.clusterName: cluster-a',
        ]);
    });
});

describe("pure values and objects", () => {
    test("the network label, only on a named network", () => {
        expect(networkLabels("network-a")).toEqual({ "topology.istio.io/network": "network-a" });
        expect(networkLabels(undefined)).toEqual({});
    });

    test("the reader's kubeconfig: istioctl's names (the cluster's), the peers' address, the cluster's CA, the token", () => {
        const text = readerKubeconfig({ clusterName: "cluster-a", server: "https://10.0.0.1:6443", certificateAuthorityData: CA, token: TOKEN });
        expect(JSON.parse(text)).toEqual({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "cluster-a", cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": CA } }],
            contexts: [{ name: "cluster-a", context: { cluster: "cluster-a", user: "cluster-a" } }],
            "current-context": "cluster-a",
            preferences: {},
            users: [{ name: "cluster-a", user: { token: TOKEN } }],
        });
    });

    test("a remote secret's metadata: istioctl's name, istiod's label, the peer's annotation", () => {
        expect(remoteSecretMetadata("cluster-b", "istio-system")).toEqual({
            name: "istio-remote-secret-cluster-b",
            namespace: "istio-system",
            labels: { "istio/multiCluster": "true", "app.kubernetes.io/part-of": "istio" },
            annotations: { "networking.istio.io/cluster": "cluster-b" },
        });
    });

    test("the east-west gateway's chart values: a network gateway of the default tag", () => {
        const gateway = settingsWith({ ...FULL, multiCluster: { ...FULL.multiCluster, eastWestGateway: { serviceType: "NodePort", replicas: 2, serviceAnnotations: { a: "b" } } } })
            .multiCluster.eastWestGateway!;
        expect(eastWestGatewayValues(gateway, ["pull"])).toEqual({
            name: "istio-eastwestgateway",
            revision: "",
            networkGateway: "network-a",
            labels: { istio: "eastwestgateway" },
            replicaCount: 2,
            service: { type: "NodePort", annotations: { a: "b" } },
            imagePullSecrets: [{ name: "pull" }],
        });
    });

    test("the cross-network gateway of Istio's samples: AUTO_PASSTHROUGH on 15443 for *.local", () => {
        expect(crossNetworkGatewayObject("istio-eastwest")).toEqual({
            apiVersion: "networking.istio.io/v1",
            kind: "Gateway",
            name: "cross-network-gateway",
            namespace: "istio-eastwest",
            spec: {
                selector: { istio: "eastwestgateway" },
                servers: [{ port: { number: 15443, name: "tls", protocol: "TLS" }, tls: { mode: "AUTO_PASSTHROUGH" }, hosts: ["*.local"] }],
            },
        });
    });
});

describe("the Mesh in a multi-cluster mesh", () => {
    test("a single cluster makes none of it", async () => {
        const component = await mesh({});
        expect(mocks.resources.filter((resource) => resource.type.startsWith("mesh:multicluster:"))).toEqual([]);
        expect(mocks.ofType("pulumi:pulumi:StackReference")).toEqual([]);
        expect((mocks.named("mesh-namespace").inputs.metadata as { labels: Record<string, string> }).labels).toEqual({ "app.kubernetes.io/part-of": "istio" });
        expect(component.readerKubeconfig).toBeUndefined();
        expect(component.remoteClusters).toEqual([]);
    });

    test("the Istio namespace carries the network label; istiod gets the network", async () => {
        await mesh(FULL);
        expect((mocks.named("mesh-namespace").inputs.metadata as { labels: Record<string, string> }).labels).toEqual({
            "app.kubernetes.io/part-of": "istio",
            "topology.istio.io/network": "network-a",
        });
        const istiod = mocks.named("mesh-istiod-1-30-3");
        expect((istiod.inputs.values as { global: Record<string, unknown> }).global).toMatchObject({ network: "network-a", meshID: "mesh1", multiCluster: { clusterName: "cluster-a" } });
    });

    test("the reader's token: a service-account-token Secret the provider waits for, after the base chart", async () => {
        await mesh(FULL);
        const token = mocks.named("mesh-reader-token");
        expect(token.inputs).toEqual({
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
                name: "istio-reader-service-account-istio-remote-secret-token",
                namespace: "istio-system",
                labels: { "app.kubernetes.io/part-of": "istio" },
                annotations: { "kubernetes.io/service-account.name": "istio-reader-service-account", "pulumi.com/waitFor": "jsonpath={.data.token}" },
            },
            type: "kubernetes.io/service-account-token",
        });
        expect(await mocks.dependenciesOf("mesh-reader")).toEqual(["mesh-base"]);
    });

    test("the exported kubeconfig is built from what the cluster filled in, and is a secret", async () => {
        const component = await mesh(FULL);
        await expect(pulumi.isSecret(component.readerKubeconfig!)).resolves.toBe(true);
        expect(JSON.parse(await unwrap(component.readerKubeconfig!))).toMatchObject({
            clusters: [{ name: "cluster-a", cluster: { server: "https://api.cluster-a.example.com:6443", "certificate-authority-data": CA } }],
            users: [{ name: "cluster-a", user: { token: TOKEN } }],
        });
    });

    test("a remote secret per peer from the peer's stack: istioctl's shape, its value a secret", async () => {
        const component = await mesh(FULL);
        expect(mocks.stacksRead()).toEqual(["acme/istio-mesh/cluster-b"]);
        expect(mocks.ofType("pulumi:pulumi:StackReference")).toEqual([]);
        const secret = mocks.named("mesh-remote-cluster-b");
        expect(secret.inputs.metadata).toEqual({
            name: "istio-remote-secret-cluster-b",
            namespace: "istio-system",
            labels: { "istio/multiCluster": "true", "app.kubernetes.io/part-of": "istio" },
            annotations: { "networking.istio.io/cluster": "cluster-b" },
        });
        expect(secret.inputs.type).toBe("Opaque");
        expect(secret.inputs.stringData).toEqual({ "cluster-b": `${PEER_KUBECONFIG} from acme/istio-mesh/cluster-b` });
        expect(secret.secretInputs).toContain("stringData");
        expect(await mocks.dependenciesOf("mesh-remote")).toEqual(["mesh-base"]);
        expect(component.remoteClusters).toEqual(["cluster-b"]);
    });

    test("a peer without a stack takes the kubeconfig the program passes", async () => {
        await mesh(
            { multiCluster: { clusterName: "cluster-a", peers: [{ name: "cluster-c" }] } },
            { peerKubeconfigs: { "cluster-c": pulumi.secret("kubeconfig of cluster-c") } },
        );
        expect(mocks.ofType("pulumi:pulumi:StackReference")).toEqual([]);
        expect(mocks.named("mesh-remote-cluster-c").inputs.stringData).toEqual({ "cluster-c": "kubeconfig of cluster-c" });
        expect(mocks.named("mesh-remote-cluster-c").secretInputs).toContain("stringData");
    });

    test("a peer with neither a stack nor a kubeconfig is an error before any child", async () => {
        expect(() => new Mesh("mesh", argsWith({ multiCluster: { clusterName: "cluster-a", peers: [{ name: "cluster-c" }] } }))).toThrow(
            'mesh.multiCluster.peers: peer "cluster-c" names no stack, and the program passes no kubeconfig for it. Fix: set the peer\'s stack ' +
                '(stack: org/project/stack), or pass peerKubeconfigs: { "cluster-c": <its Mesh\'s readerKubeconfig> }',
        );
        await mocks.settled();
        expect(mocks.resources.filter((resource) => resource.type !== "mesh:istio:Mesh")).toEqual([]);
    });

    test("the east-west gateway: its namespace, Istio's gateway chart as the network gateway, the cross-network Gateway, after the readiness gate", async () => {
        await mesh(FULL);
        expect(mocks.named("mesh-eastwest-namespace").inputs.metadata).toEqual({ name: "istio-eastwest", labels: { "app.kubernetes.io/part-of": "istio" } });
        const chart = mocks.ofType("kubernetes:helm.sh/v4:Chart").find((entry) => entry.name === "mesh-eastwest")!;
        expect(chart.inputs).toMatchObject({ chart: "oci://ghcr.io/istio/release/charts/gateway", version: "1.30.3", name: "istio-eastwestgateway", namespace: "istio-eastwest" });
        expect((chart.inputs.values as { networkGateway: string }).networkGateway).toBe("network-a");
        const gateway = mocks.named("mesh-eastwest-cross-network");
        expect(gateway.inputs).toMatchObject({ apiVersion: "networking.istio.io/v1", kind: "Gateway", metadata: { name: "cross-network-gateway", namespace: "istio-eastwest" } });
        expect(await mocks.dependenciesOf("mesh-eastwest-cross-network")).toEqual(["mesh-base", "mesh-eastwest"]);
        expect(await mocks.dependenciesOf("mesh-eastwest", "mesh:multicluster:EastWestGateway")).toEqual(expect.arrayContaining(["mesh-ready"]));
    });
});
