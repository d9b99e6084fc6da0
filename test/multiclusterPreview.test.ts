/**
 * Multi-primary in a preview: the reader's token, the peers' stack outputs and the east-west gateway's address are
 * unknown until the deployment, and the program must not crash on them.
 */
import { Mesh } from "../components/mesh";
import { argsWith } from "./fixtures";
import { isKnown, useMocks } from "./harness";

const mocks = useMocks({ preview: true });
beforeEach(() => mocks.reset());

test("unknown token and peer outputs do not crash the program; the kubeconfig stays unknown", async () => {
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
    expect(mocks.named("mesh-remote-cluster-b").type).toBe("kubernetes:core/v1:Secret");
    expect(mocks.named("mesh-eastwest-cross-network").type).toBe("kubernetes:networking.istio.io/v1:Gateway");
});
