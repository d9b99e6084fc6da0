/**
 * What a chart source that cannot be used says to the person running the stack: the source, the cause in a few
 * words, and the fix. Pure.
 */

/** The fix for a chart source that cannot be used, with the keys that choose another one. */
export const CHART_SOURCE_FIX =
    "Fix: set mesh.charts.repository to a mirror this machine reaches (oci://... or https://...), or " +
    "mesh.charts.directory (or ISTIO_CHARTS_DIR) to a local copy of Istio's charts (helm pull --untar, or " +
    "manifests/charts of Istio's source at the release tag)";

/** The cause of a failed request (Node's fetch error) in a few words. */
export function requestFailureCause(error: unknown, url: string): string {
    const host = new URL(url).host;
    const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
    const code = typeof cause?.code === "string" ? cause.code : (error as { name?: unknown } | null)?.name;
    switch (code) {
        case "ENOTFOUND":
        case "EAI_AGAIN":
            return `${host} cannot be resolved (no such host)`;
        case "ECONNREFUSED":
            return `${host} refuses connections`;
        case "ECONNRESET":
            return `${host} closed the connection`;
        case "ENETUNREACH":
        case "EHOSTUNREACH":
            return `${host} is unreachable from this machine`;
        case "TimeoutError":
        case "AbortError":
        case "UND_ERR_CONNECT_TIMEOUT":
            return `${host} does not answer`;
        default:
            return `${host}: ${typeof code === "string" ? code : error instanceof Error ? error.message : String(error)}`;
    }
}

/** The one line that says a chart source cannot be reached, with the fix. */
export function unreachableChartSource(source: string, cause: string): string {
    return `Istio's charts cannot be pulled from ${source}: ${cause}. ${CHART_SOURCE_FIX}`;
}
