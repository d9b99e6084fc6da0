import { officialChartPulls, probeUrl } from "../scripts/localCharts";

describe("which official chart sources a stack pulls from (the local cluster's fallback decides on it)", () => {
    test("a pinned version pulls from Istio's OCI registry", () => {
        expect([...officialChartPulls({ istio: { version: "1.31.0" } }, undefined)]).toEqual([["oci://ghcr.io/istio/release/charts", ["1.31.0"]]]);
    });

    test("every revision's version, once", () => {
        const pulls = officialChartPulls({ istio: { revisions: [{ version: "1.30.3" }, { version: "1.31.0" }, { version: "1.31.0", name: "b" }] } }, undefined);
        expect([...pulls]).toEqual([["oci://ghcr.io/istio/release/charts", ["1.30.3", "1.31.0"]]]);
    });

    test("a stack with its own source pulls nothing official: it is never given another one", () => {
        expect(officialChartPulls({ istio: { version: "1.31.0" }, charts: { repository: "oci://mirror.invalid/istio" } }, undefined).size).toBe(0);
        expect(officialChartPulls({ istio: { version: "1.31.0" }, charts: { directory: "/srv/charts/{version}" } }, undefined).size).toBe(0);
        expect(officialChartPulls({ istio: { version: "1.31.0" } }, "/srv/charts/{version}").size).toBe(0);
    });

    test("versions that do not parse are left to the program to report", () => {
        expect(officialChartPulls({ istio: { version: 1.3 } }, undefined).size).toBe(0);
        expect(officialChartPulls(undefined, undefined).size).toBe(0);
    });

    test("an OCI registry is probed at /v2/, a Helm repository at its index", () => {
        expect(probeUrl("oci://ghcr.io/istio/release/charts")).toBe("https://ghcr.io/v2/");
        expect(probeUrl("https://blob.istio.io/istio-release/charts/")).toBe("https://blob.istio.io/istio-release/charts/index.yaml");
    });
});
