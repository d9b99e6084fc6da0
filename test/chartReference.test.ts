import * as path from "path";
import {
    chartReference,
    FileSystem,
    ISTIO_HELM_REPOSITORY,
    ISTIO_OCI_REGISTRY,
    localChartPath,
    OFFICIAL_CHART_SOURCES,
} from "../components/charts/chartReference";
import { ISTIO_SUPPORT_CALENDAR, parseIstioVersion } from "../components/config/istioVersion";

const v = (text: string) => parseIstioVersion(text)!;

/** A filesystem holding exactly these Chart.yaml files. */
function filesAt(...chartFiles: string[]): FileSystem {
    const present = new Set(chartFiles.map((file) => path.resolve(file)));
    return { isFile: (file) => present.has(path.resolve(file)) };
}

describe("official chart sources: Istio's current locations", () => {
    test("Istio's OCI registry and Helm repository, not the retired Google Cloud ones", () => {
        expect(ISTIO_OCI_REGISTRY).toBe("oci://ghcr.io/istio/release/charts");
        expect(ISTIO_HELM_REPOSITORY).toBe("https://blob.istio.io/istio-release/charts");
    });

    test("every line of the support calendar has its source pinned", () => {
        expect(OFFICIAL_CHART_SOURCES).toEqual({
            "1.29": "oci://ghcr.io/istio/release/charts",
            "1.30": "oci://ghcr.io/istio/release/charts",
            "1.31": "oci://ghcr.io/istio/release/charts",
        });
        expect(Object.keys(OFFICIAL_CHART_SOURCES)).toEqual(ISTIO_SUPPORT_CALENDAR.map((entry) => entry.line));
    });

    test.each(["1.29.6", "1.30.3", "1.31.0", "1.31.0-rc.0"])("%s: the chart from Istio's OCI registry, at that version", (version) => {
        expect(chartReference("base", v(version), { kind: "official" })).toEqual({
            chart: "oci://ghcr.io/istio/release/charts/base",
            version,
        });
        expect(chartReference("istiod", v(version), { kind: "official" })).toEqual({
            chart: "oci://ghcr.io/istio/release/charts/istiod",
            version,
        });
    });
});

describe("a mirror replaces the official source", () => {
    test("an OCI mirror puts the chart name in the path", () => {
        expect(chartReference("gateway", v("1.30.3"), { kind: "repository", url: "oci://mirror.example.com/istio/" })).toEqual({
            chart: "oci://mirror.example.com/istio/gateway",
            version: "1.30.3",
        });
    });

    test("an https mirror is a repository URL", () => {
        expect(chartReference("cni", v("1.31.0"), { kind: "repository", url: "https://charts.example.com/istio" })).toEqual({
            chart: "cni",
            version: "1.31.0",
            repositoryOpts: { repo: "https://charts.example.com/istio" },
        });
    });
});

describe("local chart folders", () => {
    test("the flat layout of helm pull --untar", () => {
        const files = filesAt("/charts/istiod/Chart.yaml");
        expect(chartReference("istiod", v("1.30.3"), { kind: "directory", path: "/charts" }, files)).toEqual({
            chart: "/charts/istiod",
        });
    });

    test("Istio's source layout, with {version} replaced", () => {
        const files = filesAt(
            "/src/1.30.3/manifests/charts/istio-control/istio-discovery/Chart.yaml",
            "/src/1.30.3/manifests/charts/istio-cni/Chart.yaml",
        );
        expect(localChartPath("/src/{version}", "istiod", v("1.30.3"), files)).toBe(
            "/src/1.30.3/manifests/charts/istio-control/istio-discovery",
        );
        expect(localChartPath("/src/{version}", "cni", v("1.30.3"), files)).toBe("/src/1.30.3/manifests/charts/istio-cni");
    });

    test("a missing chart names every place looked at and the fix", () => {
        expect(() => localChartPath("/empty", "base", v("1.30.3"), filesAt())).toThrow(
            'Istio chart "base" 1.30.3 not found in the local chart directory /empty: looked for Chart.yaml in ' +
                "/empty/base, /empty/manifests/charts/base. Fix: point mesh.charts.directory (or ISTIO_CHARTS_DIR) at " +
                "a folder holding Istio's unpacked charts for that version (helm pull --untar, or manifests/charts " +
                "of Istio's source at the release tag)",
        );
    });
});
