import { chartPulls, probeUrl } from "../scripts/chartSources";

describe("which chart sources a stack pulls from (checked before every up and preview)", () => {
    test("a pinned version pulls from Istio's OCI registry", () => {
        expect([...chartPulls({ istio: { version: "1.31.0" } }, undefined)]).toEqual([
            ["oci://ghcr.io/istio/release/charts", { kind: "official", versions: ["1.31.0"] }],
        ]);
    });

    test("every revision's version, once", () => {
        const pulls = chartPulls({ istio: { revisions: [{ version: "1.30.3" }, { version: "1.31.0" }, { version: "1.31.0", name: "b" }] } }, undefined);
        expect([...pulls]).toEqual([["oci://ghcr.io/istio/release/charts", { kind: "official", versions: ["1.30.3", "1.31.0"] }]]);
    });

    test("a mirror the stack names is its only source, and stays one (never replaced)", () => {
        expect([...chartPulls({ istio: { version: "1.31.0" }, charts: { repository: "oci://charts.mirror.invalid/istio" } }, undefined)]).toEqual([
            ["oci://charts.mirror.invalid/istio", { kind: "repository", versions: ["1.31.0"] }],
        ]);
    });

    test("a local folder pulls nothing", () => {
        expect(chartPulls({ istio: { version: "1.31.0" }, charts: { directory: "/srv/charts/{version}" } }, undefined).size).toBe(0);
        expect(chartPulls({ istio: { version: "1.31.0" } }, "/srv/charts/{version}").size).toBe(0);
    });

    test("versions that do not parse are left to the program to report", () => {
        expect(chartPulls({ istio: { version: 1.3 } }, undefined).size).toBe(0);
        expect(chartPulls(undefined, undefined).size).toBe(0);
    });

    test("an OCI registry is probed at /v2/, a Helm repository at its index", () => {
        expect(probeUrl("oci://ghcr.io/istio/release/charts")).toBe("https://ghcr.io/v2/");
        expect(probeUrl("https://blob.istio.io/istio-release/charts/")).toBe("https://blob.istio.io/istio-release/charts/index.yaml");
    });
});
