/**
 * `pulumi preview` semantics: provider-computed values are unknown, and the program must still describe the mesh.
 */
import { Mesh } from "../components/mesh";
import { argsWith } from "./fixtures";
import { isKnown, useMocks } from "./harness";

const mocks = useMocks({ preview: true });

describe("preview with unknown values", () => {
    test("a CA whose PEM is not computed yet still wires the Secret and orders istiod after it", async () => {
        const mesh = new Mesh("mesh", argsWith(), { transformations: [mocks.recordDependencies] });
        await mocks.settled();
        expect(await isKnown(mesh.certificateAuthority!.intermediateCertificatePem)).toBe(false);
        expect(mocks.resources.map((resource) => resource.name).sort()).toEqual([
            "mesh",
            "mesh",
            "mesh-base",
            "mesh-ca",
            "mesh-ca-intermediate",
            "mesh-ca-intermediate",
            "mesh-ca-intermediate",
            "mesh-ca-root-root",
            "mesh-ca-root-root",
            "mesh-cacerts",
            "mesh-istiod-1-30-3",
            "mesh-kubernetes",
            "mesh-namespace",
            "mesh-policy",
            "mesh-policy-mtls",
            "mesh-ready",
        ]);
        expect(await mocks.dependenciesOf("mesh-istiod-1-30-3")).toEqual(["mesh-base", "mesh-cacerts"]);
    });
});
