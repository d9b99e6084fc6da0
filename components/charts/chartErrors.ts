/**
 * What a failed pull of one of Istio's charts says to the person running the stack: the source, the cause in a few
 * words, and the fix. Pure: it reads the error text of the kubernetes provider (Helm's own words).
 */

/** The fix for a chart source that cannot be used, with the keys that choose another one. */
export const CHART_SOURCE_FIX =
    "Fix: set mesh.charts.repository to a mirror this machine reaches (oci://... or https://...), or " +
    "mesh.charts.directory (or ISTIO_CHARTS_DIR) to a local copy of Istio's charts (helm pull --untar, or " +
    "manifests/charts of Istio's source at the release tag)";

/** The cause of a failed request in Helm's error text, in a few words; undefined when none is recognized. */
function requestCause(text: string): string | undefined {
    const lookup = /lookup ([^\s:]+)(?: on \S+)?: no such host/.exec(text);
    if (lookup) {
        return `${lookup[1]} cannot be resolved (no such host)`;
    }
    const dial = /dial tcp ([^\s:]+(?::\d+)?|\[[^\]]+\](?::\d+)?): (connect: connection refused|i\/o timeout|connect: network is unreachable|connect: no route to host)/.exec(text);
    if (dial) {
        return `${dial[1]}: ${dial[2].replace(/^connect: /, "")}`;
    }
    if (/context deadline exceeded|Client\.Timeout exceeded|TLS handshake timeout/.test(text)) {
        return "the request timed out";
    }
    const status = /(401 Unauthorized|403 Forbidden|404 Not Found|unauthorized|denied)/.exec(text);
    if (status) {
        return `the server answered ${status[1]}`;
    }
    const notFound = /chart "([^"]+)" version "([^"]+)" not found|([^\s:]+:[^\s:]+): not found/.exec(text);
    if (notFound) {
        return notFound[1] !== undefined ? `chart ${notFound[1]} ${notFound[2]} is not there` : `${notFound[3]} is not there`;
    }
    return undefined;
}

/** The chart source named in Helm's error text: a repository URL, or the registry host of an OCI pull. */
function sourceIn(text: string): string | undefined {
    const repository = /looks like "([^"]+)" is not a valid chart repository/.exec(text);
    if (repository) {
        return repository[1];
    }
    const oci = /(oci:\/\/[^\s"':]+(?::\d+)?[^\s"':]*)/.exec(text);
    if (oci) {
        return oci[1];
    }
    const registry = /"https:\/\/([^/"]+)\/v2\/([^"]+?)\/(?:manifests|tags|blobs)\//.exec(text);
    return registry ? `oci://${registry[1]}/${registry[2]}` : undefined;
}

/**
 * The readable message for a failed chart pull (Helm's "unable to locate the chart"), or undefined for any other
 * error.
 */
export function explainChartError(message: string): string | undefined {
    if (!/unable to locate the chart|failed to download|failed to do request|is not a valid chart repository/.test(message)) {
        return undefined;
    }
    const source = sourceIn(message);
    const cause = requestCause(message) ?? message.split("\n")[0].replace(/^.*unable to locate the chart:\s*/, "").slice(0, 200);
    return `Istio's charts cannot be pulled${source === undefined ? "" : ` from ${source}`}: ${cause}. ${CHART_SOURCE_FIX}`;
}
