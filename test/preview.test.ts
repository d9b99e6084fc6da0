/**
 * `pulumi preview` semantics: provider-computed values are unknown, and the program must still describe the mesh.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { Mesh } from "../components/mesh";
import { settingsWith } from "./fixtures";
import { isKnown, useMocks } from "./harness";

const mocks = useMocks({ preview: true });

describe("preview with unknown values", () => {
    test("a CA whose PEM is not computed yet still wires the Secret and orders istiod after it", async () => {
        const key = new tls.PrivateKey("preview-key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
        expect(await isKnown(key.privateKeyPem)).toBe(false);
        const pem = key.privateKeyPem;
        new Mesh(
            "mesh",
            { settings: settingsWith(), pluginCa: pulumi.all([pem]).apply(([caKey]) => ({ caCert: "c", caKey, rootCert: "r", certChain: "c\nr" })) },
            { transformations: [mocks.recordDependencies] },
        );
        await mocks.settled();
        expect(mocks.resources.map((resource) => resource.name).sort()).toEqual([
            "mesh",
            "mesh",
            "mesh-base",
            "mesh-cacerts",
            "mesh-istiod",
            "mesh-kubernetes",
            "mesh-namespace",
            "preview-key",
        ]);
        expect(await mocks.dependenciesOf("mesh-istiod")).toEqual(["mesh-base", "mesh-cacerts"]);
    });
});
