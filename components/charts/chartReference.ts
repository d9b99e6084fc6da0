/**
 * Where each of Istio's Helm charts is found, for a version and a chart source. Pure: the filesystem is passed in.
 */
import * as fs from "fs";
import * as path from "path";
import { isAtLeastLine, IstioVersion } from "../config/istioVersion";
import { ChartSource } from "../config/settings";

/** Istio's charts that this project installs, by their published chart names. */
export type IstioChartName = "base" | "istiod" | "cni" | "gateway" | "ztunnel";

/** Istio's classic Helm repository, which serves every line before 1.31. */
export const CLASSIC_CHART_REPOSITORY = "https://istio-release.storage.googleapis.com/charts";
/** Istio's OCI registry for charts, the official source from 1.31 on. */
export const OCI_CHART_REGISTRY = "oci://ghcr.io/istio/release/charts";
/** The first line that Istio publishes to OCI. */
const FIRST_OCI_LINE = "1.31";

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
            return repositoryReference(
                isAtLeastLine(version, FIRST_OCI_LINE) ? OCI_CHART_REGISTRY : CLASSIC_CHART_REPOSITORY,
                chart,
                version,
            );
    }
}

function repositoryReference(url: string, chart: IstioChartName, version: IstioVersion): ChartReference {
    const trimmed = url.replace(/\/+$/, "");
    if (trimmed.startsWith("oci://")) {
        return { chart: `${trimmed}/${chart}`, version: version.text };
    }
    return { chart, version: version.text, repositoryOpts: { repo: trimmed } };
}
