/**
 * The stack program itself (index.ts), run under mocks with a stack configuration.
 */
import * as pulumi from "@pulumi/pulumi";
import { useMocks, unwrap } from "./harness";

const mocks = useMocks();

type StackOutputs = Record<string, pulumi.Output<unknown> | string>;

/**
 * Each run evaluates the program's own modules anew; its dependencies stay the instances this file loaded, as in a
 * real run (one SDK per process), instead of the Pulumi SDKs being loaded again for every run.
 */
for (const dependency of ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/tls", "zod"]) {
    const loaded: unknown = jest.requireActual(dependency);
    jest.doMock(dependency, () => loaded);
}

function runProgram(mesh: unknown): StackOutputs {
    pulumi.runtime.setAllConfig(mesh === undefined ? {} : { "istio-mesh:mesh": JSON.stringify(mesh) });
    let outputs: StackOutputs = {};
    jest.isolateModules(() => {
        outputs = require("../index") as StackOutputs;
    });
    return outputs;
}

beforeEach(() => mocks.reset());

describe("the stack program", () => {
    test("an invalid configuration throws before any resource is registered", async () => {
        expect(() => runProgram({ istio: { version: "1.28.0" }, istiod: { replicas: 0 } })).toThrow(
            /Invalid mesh configuration of stack "test" \(2 problems\); nothing was changed:\n  - mesh\.istio\.version: .*\n  - mesh\.istiod\.replicas: /,
        );
        await mocks.settled();
        expect(mocks.resources).toEqual([]);
    });

    test("the error is a RunError, which the engine prints as its message alone (no stack, no object dump)", () => {
        let thrown: unknown;
        try {
            runProgram({ istio: { version: "1.28.0" } });
        } catch (error) {
            thrown = error;
        }
        expect(pulumi.RunError.isInstance(thrown)).toBe(true);
        expect((thrown as Error).stack).toBe(`MeshConfigError: ${(thrown as Error).message}`);
    });

    test("problems of the configured roots are reported with the others, in the same run", async () => {
        expect(() => runProgram({ istio: { version: "1.30.3" }, istiod: { replicas: 0 }, pki: { roots: [{ name: "offline", source: "config" }] } })).toThrow(
            /\(2 problems\); nothing was changed:\n  - mesh\.istiod\.replicas: .*\n  - mesh\.pki\.roots\[0\]\.source: got "config"; root "offline" needs certificatePem/,
        );
        await mocks.settled();
        expect(mocks.resources).toEqual([]);
    });

    test("a missing configuration says how to start", async () => {
        expect(() => runProgram(undefined)).toThrow("mesh: got nothing; required: the mesh configuration.");
        await mocks.settled();
        expect(mocks.resources).toEqual([]);
    });

    test("a valid configuration installs the mesh and exports what a platform team needs", async () => {
        const outputs = runProgram({ istio: { version: "1.30.3" }, meshConfig: { trustDomain: "dev.example.com" } });
        await mocks.settled();
        expect({
            istioVersion: await unwrap(outputs.istioVersion),
            revision: await unwrap(outputs.revision),
            istioNamespace: await unwrap(outputs.istioNamespace),
            trustDomain: await unwrap(outputs.trustDomain),
        }).toEqual({ istioVersion: "1.30.3", revision: "1-30-3", istioNamespace: "istio-system", trustDomain: "dev.example.com" });
        expect(mocks.ofType("kubernetes:helm.sh/v4:Chart").map((chart) => chart.name).sort()).toEqual(["mesh-base", "mesh-istiod-1-30-3"]);
    });

    test("the root's private key is an output only when asked for, and then a secret", async () => {
        const without = runProgram({ istio: { version: "1.30.3" } });
        expect(Object.keys(without)).not.toContain("rootPrivateKeyPem");
        expect(await pulumi.isSecret(without.rootCertificatePem as pulumi.Output<unknown>)).toBe(false);
        const withKey = runProgram({ istio: { version: "1.30.3" }, pki: { exportRootKey: true } });
        expect(await pulumi.isSecret(withKey.rootPrivateKeyPem as pulumi.Output<unknown>)).toBe(true);
        await mocks.settled();
    });
});
