/**
 * Which of Istio's chart sources a stack pulls from, and whether this machine reaches them: what
 * scripts/local-charts.sh needs to decide, on the local cluster, whether the charts must come from the Go module
 * proxy instead.
 *
 *   node --require ./scripts/register-ts.js scripts/localCharts.ts Pulumi.dev.yaml
 *
 * prints nothing when the stack configures its own source (charts.repository, charts.directory, ISTIO_CHARTS_DIR),
 * when its configuration is invalid (the program reports that), or when every official source answers. Otherwise it
 * prints the unreachable source on the first line and the Istio versions whose charts the stack needs, one a line.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { officialChartSource } from "../components/charts/chartReference";
import { parseIstioVersion } from "../components/config/istioVersion";

/** The environment variable of components/config/load.ts (not imported: it loads the Pulumi SDK, seconds here). */
const CHARTS_DIRECTORY_ENV = "ISTIO_CHARTS_DIR";

/**
 * The official sources a stack pulls from, each with the versions it pulls there; empty when the stack names its
 * own source. It reads only the keys it needs; a value that is not valid is left to the program to report.
 */
export function officialChartPulls(raw: unknown, chartsDirectory: string | undefined): Map<string, string[]> {
    const pulls = new Map<string, string[]>();
    const mesh = (raw ?? {}) as { charts?: { repository?: unknown; directory?: unknown }; istio?: { version?: unknown; revisions?: unknown } };
    if (chartsDirectory !== undefined || mesh.charts?.repository !== undefined || mesh.charts?.directory !== undefined) {
        return pulls;
    }
    const pinned = Array.isArray(mesh.istio?.revisions)
        ? (mesh.istio.revisions as { version?: unknown }[]).map((revision) => revision?.version)
        : [mesh.istio?.version];
    for (const text of pinned) {
        const version = typeof text === "string" ? parseIstioVersion(text) : undefined;
        if (version === undefined) {
            continue;
        }
        const source = officialChartSource(version);
        const listed = pulls.get(source) ?? [];
        if (!listed.includes(version.text)) {
            pulls.set(source, [...listed, version.text]);
        }
    }
    return pulls;
}

/** The URL whose answer (any HTTP status) shows that a chart source is reachable. */
export function probeUrl(source: string): string {
    const url = new URL(source.replace(/^oci:\/\//, "https://"));
    // An OCI registry answers on /v2/ (401 without a token); a Helm repository serves index.yaml.
    return source.startsWith("oci://") ? `${url.origin}/v2/` : `${source.replace(/\/+$/, "")}/index.yaml`;
}

async function reachable(source: string): Promise<boolean> {
    try {
        await fetch(probeUrl(source), { method: "HEAD", signal: AbortSignal.timeout(10_000) });
        return true;
    } catch {
        return false;
    }
}

async function main(stackFile: string): Promise<void> {
    const document = fs.existsSync(stackFile) ? (parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> }) : {};
    const directory = process.env[CHARTS_DIRECTORY_ENV];
    const pulls = officialChartPulls(document?.config?.["istio-mesh:mesh"], directory === "" ? undefined : directory);
    for (const source of pulls.keys()) {
        if (!(await reachable(source))) {
            process.stdout.write([source, ...new Set([...pulls.values()].flat())].join("\n") + "\n");
            return;
        }
    }
}

if (require.main === module) {
    main(process.argv[2] ?? "Pulumi.dev.yaml").catch((error: unknown) => {
        process.stderr.write(`localCharts: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
