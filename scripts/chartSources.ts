/**
 * Which of Istio's chart sources a stack pulls from, and whether this machine reaches them: what scripts/charts.sh
 * needs to decide, before a run, whether it can go on (and, on the local cluster, whether the charts must come
 * from the Go module proxy instead).
 *
 *   node --require ./scripts/register-ts.js scripts/chartSources.ts Pulumi.dev.yaml
 *
 * prints nothing when the stack takes its charts from a local folder (charts.directory, ISTIO_CHARTS_DIR), when
 * every source answers, or when the versions are not valid (the program reports that). Otherwise, for the first
 * source that does not answer: its kind (official or repository), the source, the readable error, then the Istio
 * versions whose charts the stack needs, one a line.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { requestFailureCause, unreachableChartSource } from "../components/charts/chartErrors";
import { officialChartSource } from "../components/charts/chartReference";
import { parseIstioVersion } from "../components/config/istioVersion";

/** The environment variable of components/config/load.ts (not imported: it loads the Pulumi SDK, seconds here). */
const CHARTS_DIRECTORY_ENV = "ISTIO_CHARTS_DIR";

export interface ChartPull {
    readonly kind: "official" | "repository";
    readonly versions: readonly string[];
}

/**
 * The sources a stack pulls from, each with the versions it pulls there; empty when it takes them from a local
 * folder. It reads only the keys it needs; a value that is not valid is left to the program to report.
 */
export function chartPulls(raw: unknown, chartsDirectory: string | undefined): Map<string, ChartPull> {
    const pulls = new Map<string, ChartPull>();
    const mesh = (raw ?? {}) as { charts?: { repository?: unknown; directory?: unknown }; istio?: { version?: unknown; revisions?: unknown } };
    if (chartsDirectory !== undefined || mesh.charts?.directory !== undefined) {
        return pulls;
    }
    const repository = typeof mesh.charts?.repository === "string" ? mesh.charts.repository : undefined;
    const pinned = Array.isArray(mesh.istio?.revisions)
        ? (mesh.istio.revisions as { version?: unknown }[]).map((revision) => revision?.version)
        : [mesh.istio?.version];
    for (const text of pinned) {
        const version = typeof text === "string" ? parseIstioVersion(text) : undefined;
        if (version === undefined) {
            continue;
        }
        const source = repository ?? officialChartSource(version);
        const pull = pulls.get(source) ?? { kind: repository === undefined ? "official" : "repository", versions: [] };
        if (!pull.versions.includes(version.text)) {
            pulls.set(source, { ...pull, versions: [...pull.versions, version.text] });
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

/** Undefined when the source answers, else why it does not. */
async function unreachable(source: string): Promise<string | undefined> {
    const url = probeUrl(source);
    try {
        await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(10_000) });
        return undefined;
    } catch (error) {
        return requestFailureCause(error, url);
    }
}

async function main(stackFile: string): Promise<void> {
    const document = fs.existsSync(stackFile) ? (parse(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> }) : {};
    const directory = process.env[CHARTS_DIRECTORY_ENV];
    const pulls = chartPulls(document?.config?.["istio-mesh:mesh"], directory === undefined || directory === "" ? undefined : directory);
    for (const [source, pull] of pulls) {
        const cause = await unreachable(source);
        if (cause !== undefined) {
            process.stdout.write([pull.kind, source, unreachableChartSource(source, cause), ...pull.versions].join("\n") + "\n");
            return;
        }
    }
}

if (require.main === module) {
    main(process.argv[2] ?? "Pulumi.dev.yaml").catch((error: unknown) => {
        process.stderr.write(`chartSources: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
