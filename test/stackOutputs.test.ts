import * as pulumi from "@pulumi/pulumi";
import { missingStackOutput, readStackOutputs, requireStackOutputs } from "../components/program/stackOutputs";
import { unwrap, useMocks } from "./harness";

const mocks = useMocks({
    stacks: {
        "acme/istio-mesh/cluster-b": { readerKubeconfig: "kubeconfig of b", network: "west" },
    },
});
beforeEach(() => mocks.reset());

const parent = () => new pulumi.ComponentResource("test:index:Parent", "reader");

describe("other stacks' outputs, read without a stack reference", () => {
    test("every output of the stack, read once, with no resource registered for the read", async () => {
        const outputs = readStackOutputs("acme/istio-mesh/cluster-b", parent());
        expect(await unwrap(outputs)).toEqual({ readerKubeconfig: "kubeconfig of b", network: "west" });
        expect(mocks.stacksRead()).toEqual(["acme/istio-mesh/cluster-b"]);
        expect(mocks.resources.map((resource) => resource.type)).toEqual(["test:index:Parent"]);
    });

    test("the outputs asked for, as strings, from one read", async () => {
        const read = requireStackOutputs("mesh.multiCluster.peers[0].stack", "acme/istio-mesh/cluster-b", ["readerKubeconfig", "network"], parent());
        expect(await unwrap(read)).toEqual({ readerKubeconfig: "kubeconfig of b", network: "west" });
        expect(mocks.stacksRead()).toHaveLength(1);
    });

    test("an output the stack does not export: the message names the key, the stack, the output and the fix", () => {
        // What requireStackOutputs fails the run with (a failed Output stops the program; the real engine's suites run it).
        expect(missingStackOutput("mesh.multiCluster.peers[0].stack", "acme/istio-mesh/empty", "readerKubeconfig")).toBe(
            'mesh.multiCluster.peers[0].stack: stack acme/istio-mesh/empty has no output "readerKubeconfig". Fix: up that stack first (its up exports it), or correct mesh.multiCluster.peers[0].stack',
        );
    });
});
