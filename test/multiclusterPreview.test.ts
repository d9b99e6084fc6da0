/**
 * Multi-primary in a preview: the reader's token and the east-west gateway's address are unknown until the deployment,
 * and the program must not crash on them. The peers' kubeconfigs are read from the peers' states, so a preview knows
 * them.
 */
import { Mesh } from "../components/mesh";
import { argsWith } from "./fixtures";
import { isKnown, useMocks } from "./harness";

const PEER_KUBECONFIG = "the kubeconfig of cluster-b's reader";
const mocks = useMocks({ preview: true, stacks: { "acme/istio-mesh/cluster-b": { readerKubeconfig: PEER_KUBECONFIG } } });
beforeEach(() => mocks.reset());

test("an unknown token does not crash the program; the kubeconfig stays unknown, the peer's is known from its state", async () => {
    const component = new Mesh(
        "mesh",
        argsWith({
            multiCluster: {
                clusterName: "cluster-a",
                network: "network-a",
                apiServer: "https://api.cluster-a.example.com:6443",
                peers: [{ name: "cluster-b", stack: "acme/istio-mesh/cluster-b" }],
                eastWestGateway: {},
            },
        }),
    );
    await mocks.settled();
    expect(await isKnown(component.readerKubeconfig!)).toBe(false);
    const remote = mocks.named("mesh-remote-cluster-b");
    expect(remote.type).toBe("kubernetes:core/v1:Secret");
    expect(remote.inputs.stringData).toEqual({ "cluster-b": PEER_KUBECONFIG });
    expect(remote.secretInputs).toContain("stringData");
    expect(mocks.named("mesh-eastwest-cross-network").type).toBe("kubernetes:networking.istio.io/v1:Gateway");
});
