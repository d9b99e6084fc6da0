/**
 * Where each of Istio's Helm charts is found, for a version and a chart source. Pure: the filesystem is passed in.
 */
import * as fs from "fs";
import * as path from "path";
import { istioLine, IstioVersion } from "../config/istioVersion";
import { ChartSource } from "../config/settings";

/** Istio's charts that this project installs, by their published chart names. */
export type IstioChartName = "base" | "istiod" | "cni" | "gateway" | "ztunnel";

/**
 * Where Istio publishes its charts: every release of every line, as OCI artifacts and as a Helm repository. The Google
 * Cloud locations (istio-release.storage.googleapis.com/charts, gcr.io/istio-release/charts) are retired in December
 * 2026 and receive no release from 1.30.4 and 1.31.0 on.
 */
export const ISTIO_OCI_REGISTRY = "oci://ghcr.io/istio/release/charts";
export const ISTIO_HELM_REPOSITORY = "https://blob.istio.io/istio-release/charts";

/**
 * The official source of each line's charts, used when the stack configures none. OCI for every line: a pull asks
 * for one chart version instead of downloading the repository's index of every release.
 */
export const OFFICIAL_CHART_SOURCES: Readonly<Record<string, string>> = {
    "1.29": ISTIO_OCI_REGISTRY,
    "1.30": ISTIO_OCI_REGISTRY,
    "1.31": ISTIO_OCI_REGISTRY,
};

/** The official chart source of a version's line (Istio's OCI registry for a line missing from the table). */
export function officialChartSource(version: IstioVersion): string {
    return OFFICIAL_CHART_SOURCES[istioLine(version)] ?? ISTIO_OCI_REGISTRY;
}

/** The chart fields of a helm.v4.Chart: `chart`, and `version`/`repositoryOpts` for published charts. */
export interface ChartReference {
    readonly chart: string;
    readonly version?: string;
    readonly repositoryOpts?: { readonly repo: string };
}

/**
 * Folders of a chart inside a local chart directory: the flat layout of `helm pull --untar` first, then Istio's
 * source layout (manifests/charts in the istio repository).
 */
const LOCAL_LAYOUTS: Record<IstioChartName, readonly string[]> = {
    base: ["base"],
    istiod: ["istiod", "istio-control/istio-discovery"],
    cni: ["cni", "istio-cni"],
    gateway: ["gateway"],
    ztunnel: ["ztunnel"],
};

export interface FileSystem {
    isFile(filePath: string): boolean;
}

export const nodeFileSystem: FileSystem = {
    isFile: (filePath) => fs.existsSync(filePath) && fs.statSync(filePath).isFile(),
};

/** The folder of one chart in a local directory, or an error naming the places that were tried. */
export function localChartPath(
    directory: string,
    chart: IstioChartName,
    version: IstioVersion,
    files: FileSystem = nodeFileSystem,
): string {
    const root = path.resolve(directory.split("{version}").join(version.text));
    const candidates = LOCAL_LAYOUTS[chart].flatMap((folder) => [
        path.join(root, folder),
        path.join(root, "manifests", "charts", folder),
    ]);
    const found = candidates.find((candidate) => files.isFile(path.join(candidate, "Chart.yaml")));
    if (found === undefined) {
        throw new Error(
            `Istio chart "${chart}" ${version.text} not found in the local chart directory ${root}: looked for ` +
                `Chart.yaml in ${candidates.join(", ")}. Fix: point mesh.charts.directory (or ISTIO_CHARTS_DIR) at ` +
                "a folder holding Istio's unpacked charts for that version (helm pull --untar, or manifests/charts " +
                "of Istio's source at the release tag)",
        );
    }
    return found;
}

/** The helm.v4.Chart reference for one of Istio's charts. */
export function chartReference(
    chart: IstioChartName,
    version: IstioVersion,
    source: ChartSource,
    files: FileSystem = nodeFileSystem,
): ChartReference {
    switch (source.kind) {
        case "directory":
            // A local chart's own Chart.yaml carries the version; none is asked for.
            return { chart: localChartPath(source.path, chart, version, files) };
        case "repository":
            return repositoryReference(source.url, chart, version);
        case "official":
            return repositoryReference(officialChartSource(version), chart, version);
    }
}

function repositoryReference(url: string, chart: IstioChartName, version: IstioVersion): ChartReference {
    const trimmed = url.replace(/\/+$/, "");
    if (trimmed.startsWith("oci://")) {
        return { chart: `${trimmed}/${chart}`, version: version.text };
    }
    return { chart, version: version.text, repositoryOpts: { repo: trimmed } };
}
