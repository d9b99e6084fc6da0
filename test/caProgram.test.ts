/**
 * The stack program (index.ts) as a CA stack: the `ca` key selects it; its outputs; its configuration errors.
 */
import * as pulumi from "@pulumi/pulumi";
import { fakePem, unwrap, useMocks } from "./harness";

const mocks = useMocks({ stack: "ca" });

type StackOutputs = Record<string, pulumi.Output<unknown> | string[]>;

// As in program.test.ts: the program's modules anew per run, one instance of each SDK.
for (const dependency of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/tls", "zod"]) {
    const loaded: unknown = jest.requireActual(dependency);
    jest.doMock(dependency, () => loaded);
}

function runProgram(config: Record<string, unknown>): StackOutputs {
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [`istio-mesh:${key}`, JSON.stringify(value)])));
    let outputs: StackOutputs = {};
    jest.isolateModules(() => {
        outputs = require("../index") as StackOutputs;
    });
    return outputs;
}

beforeEach(() => mocks.reset());

describe("the stack program as the mesh's CA", () => {
    test("the ca key makes it a CA stack: roots and intermediates, no Kubernetes resource, no root key among the outputs", async () => {
        const outputs = runProgram({ ca: { clusters: [{ name: "east" }, { name: "west" }] } });
        await mocks.settled();
        expect(Object.keys(outputs).sort()).toEqual(["clusterIntermediateKeys", "clusterIntermediates", "clusters", "rootCertificatePem", "trustedRootsPem"]);
        expect(outputs.clusters).toEqual(["east", "west"]);
        expect(mocks.resources.filter((resource) => resource.type.startsWith("kubernetes:") || resource.type.startsWith("pulumi:providers:"))).toEqual([]);
        expect(await pulumi.isSecret(outputs.clusterIntermediateKeys as pulumi.Output<unknown>)).toBe(true);
        expect(await pulumi.isSecret(outputs.clusterIntermediates as pulumi.Output<unknown>)).toBe(false);
        const values = await Promise.all(Object.values(outputs).map((value) => unwrap(value as pulumi.Input<unknown>)));
        expect(JSON.stringify(values)).toContain(JSON.stringify(fakePem("PRIVATE KEY", "key ca-intermediate-east")).slice(1, -1));
        expect(JSON.stringify(values)).not.toContain(JSON.stringify(fakePem("PRIVATE KEY", "key ca-root-root")).slice(1, -1));
    });

    test("a stack with both mesh and ca is refused before any resource is registered", async () => {
        expect(() => runProgram({ ca: { clusters: [{ name: "east" }] }, mesh: { istio: { version: "1.30.3" } } })).toThrow(
            /^Invalid CA configuration of stack "ca" \(1 problem\); nothing was changed:\n {2}- ca: got nothing; a stack is either a cluster's mesh \(mesh\) or the mesh's CA \(ca\), not both/,
        );
        await mocks.settled();
        expect(mocks.resources).toEqual([]);
    });

    test("an offline root named in ca.roots but missing from the secret configuration is reported under ca.roots", async () => {
        expect(() => runProgram({ ca: { roots: [{ name: "offline", source: "config" }], clusters: [{ name: "east" }, { name: "east" }] } })).toThrow(
            /\(2 problems\); nothing was changed:\n {2}- ca\.clusters: got "east"; cluster "east" is listed twice.*\n {2}- ca\.roots\[0\]\.source: got "config"; root "offline" needs certificatePem/,
        );
        await mocks.settled();
        expect(mocks.resources).toEqual([]);
    });
});
