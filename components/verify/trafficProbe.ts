/**
 * The traffic probe of `npm run verify -- --traffic`, as pure functions: the short-lived probe pair it deploys into
 * an enrolled namespace (a client and a server, each injected with its sidecar), the call the client makes, and the
 * checks that judge the answer. Running them against a cluster is traffic.ts's job.
 *
 * The classic proof that a mesh carries traffic: the client calls the server by its Service name; the response
 * carries `server: envoy` (the server's sidecar answered) and the request reached the server with the
 * X-Forwarded-Client-Cert header that the server's sidecar adds on a mutual TLS connection, naming the server
 * (By=) and the client (URI=) by their SPIFFE IDs.
 */
import { CheckResult } from "./checks";

/** The label every probe object carries, with the run's id: what the clean-up deletes by. */
export const PROBE_LABEL = "mesh.verify/probe";
/** The images of Istio's own samples (samples/curl, samples/httpbin): a mirror can replace them. */
export const DEFAULT_CLIENT_IMAGE = "docker.io/curlimages/curl:8.16.0";
export const DEFAULT_SERVER_IMAGE = "docker.io/mccutchen/go-httpbin:v2.15.0";
/** The Service port of the server, as Istio's httpbin sample has it, and the port go-httpbin listens on. */
const SERVICE_PORT = 8000;
const SERVER_PORT = 8080;

export interface TrafficProbeOptions {
    /** An enrolled namespace: its pods get sidecars. */
    readonly namespace: string;
    readonly trustDomain: string;
    /** A short id, unique per run, in the probes' names and their label. */
    readonly runId: string;
    readonly clientImage?: string;
    readonly serverImage?: string;
}

export interface ProbeObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
    readonly [key: string]: unknown;
}

export function probeNames(runId: string): { client: string; server: string } {
    return { client: `mesh-verify-client-${runId}`, server: `mesh-verify-server-${runId}` };
}

export function spiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
    return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** The probe pair: a ServiceAccount each (their identities), the server's Service, and the two pods. */
export function probeManifests(options: TrafficProbeOptions): ProbeObject[] {
    const names = probeNames(options.runId);
    const meta = (name: string, app: string) => ({
        name,
        namespace: options.namespace,
        labels: { [PROBE_LABEL]: options.runId, app },
    });
    const pod = (name: string, container: Record<string, unknown>): ProbeObject => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: meta(name, name),
        spec: {
            serviceAccountName: name,
            // The probe is short-lived: it is deleted at once, not drained.
            terminationGracePeriodSeconds: 0,
            restartPolicy: "Never",
            containers: [container],
        },
    });
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(names.server, names.server) },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(names.client, names.client) },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: meta(names.server, names.server),
            spec: { selector: { app: names.server }, ports: [{ name: "http", port: SERVICE_PORT, targetPort: SERVER_PORT }] },
        },
        pod(names.server, {
            name: "server",
            image: options.serverImage ?? DEFAULT_SERVER_IMAGE,
            ports: [{ containerPort: SERVER_PORT }],
            readinessProbe: { httpGet: { path: "/status/200", port: SERVER_PORT } },
        }),
        pod(names.client, { name: "client", image: options.clientImage ?? DEFAULT_CLIENT_IMAGE, command: ["/bin/sleep", "infinity"] }),
    ];
}

/** What the client container runs: one call of the server's /headers, printing the response headers and body. */
export function probeCall(options: TrafficProbeOptions): string[] {
    const names = probeNames(options.runId);
    return ["curl", "-sS", "--max-time", "10", "-D", "-", `http://${names.server}.${options.namespace}:${SERVICE_PORT}/headers`];
}

/** What running the probe produced. */
export interface TrafficObservation {
    /** Why the probe pods did not become ready, if they did not. */
    readonly notReady?: string;
    /** The output of the client's call (headers, blank line, body). */
    readonly output?: string;
    /** Why the call could not be made or failed. */
    readonly callError?: string;
    /** Set when the run was interrupted before the call. */
    readonly interrupted?: string;
}

interface HttpResponse {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: string;
}

/** curl -D - output: the status line and headers of the last response, a blank line, the body. */
export function parseHttpResponse(output: string): HttpResponse | undefined {
    const split = output.indexOf("\r\n\r\n");
    const head = split < 0 ? output : output.slice(0, split);
    const lines = head.split("\r\n");
    const status = /^HTTP\/[\d.]+ (\d{3})/.exec(lines[0] ?? "");
    if (status === null) {
        return undefined;
    }
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        if (colon > 0) {
            headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
    }
    return { status: Number(status[1]), headers, body: split < 0 ? "" : output.slice(split + 4) };
}

/** The X-Forwarded-Client-Cert header the server saw, from httpbin's /headers body (a string or a list of them). */
export function forwardedClientCert(body: string): string | undefined {
    let parsed: { headers?: Record<string, string | string[]> };
    try {
        parsed = JSON.parse(body) as typeof parsed;
    } catch {
        return undefined;
    }
    const entry = Object.entries(parsed.headers ?? {}).find(([name]) => name.toLowerCase() === "x-forwarded-client-cert");
    if (entry === undefined) {
        return undefined;
    }
    return Array.isArray(entry[1]) ? entry[1].join(",") : entry[1];
}

/** The By= and URI= fields of the last element of an X-Forwarded-Client-Cert header. */
export function xfccIdentities(header: string): { by?: string; uri?: string } {
    const last = header.split(",").pop() ?? "";
    const fields = Object.fromEntries(
        last.split(";").map((field) => {
            const equals = field.indexOf("=");
            return [field.slice(0, equals).trim().toLowerCase(), field.slice(equals + 1).replace(/^"|"$/g, "")];
        }),
    );
    return { by: fields.by, uri: fields.uri };
}

export function judgeTraffic(options: TrafficProbeOptions, observation: TrafficObservation): CheckResult[] {
    const names = probeNames(options.runId);
    const podsCheck = `traffic probe pods in ${options.namespace} are ready`;
    const callCheck = "the client calls the server through the mesh";
    const sidecarCheck = "the server's sidecar answered (server: envoy)";
    const mtlsCheck = "the call is mutual TLS between the probes' identities";
    if (observation.interrupted !== undefined) {
        return [{ check: podsCheck, status: "fail", detail: `interrupted (${observation.interrupted}); the probes were deleted` }];
    }
    if (observation.notReady !== undefined) {
        return [{ check: podsCheck, status: "fail", detail: observation.notReady }];
    }
    const results: CheckResult[] = [{ check: podsCheck, status: "ok", detail: `${names.client} and ${names.server}` }];
    const response = observation.output === undefined ? undefined : parseHttpResponse(observation.output);
    if (observation.callError !== undefined || response === undefined) {
        results.push({ check: callCheck, status: "fail", detail: observation.callError ?? `no HTTP response: ${(observation.output ?? "").slice(0, 200)}` });
        return results;
    }
    results.push(
        response.status === 200
            ? { check: callCheck, status: "ok", detail: `HTTP 200 from http://${names.server}.${options.namespace}:${SERVICE_PORT}` }
            : { check: callCheck, status: "fail", detail: `HTTP ${response.status} from ${names.server}` },
    );
    const server = response.headers.server;
    results.push(
        server === "envoy"
            ? { check: sidecarCheck, status: "ok", detail: "server: envoy" }
            : { check: sidecarCheck, status: "fail", detail: `server: ${server ?? "(none)"}: the server's pod has no sidecar (is the namespace enrolled?)` },
    );
    const xfcc = forwardedClientCert(response.body);
    const expected = { by: spiffeId(options.trustDomain, options.namespace, names.server), uri: spiffeId(options.trustDomain, options.namespace, names.client) };
    if (xfcc === undefined) {
        results.push({ check: mtlsCheck, status: "fail", detail: "the server saw no X-Forwarded-Client-Cert: the call was not mutual TLS" });
        return results;
    }
    const seen = xfccIdentities(xfcc);
    results.push(
        seen.by === expected.by && seen.uri === expected.uri
            ? { check: mtlsCheck, status: "ok", detail: `client ${seen.uri} to server ${seen.by}` }
            : { check: mtlsCheck, status: "fail", detail: `expected client ${expected.uri} to server ${expected.by}; the server saw client ${seen.uri ?? "(none)"}, server ${seen.by ?? "(none)"}` },
    );
    return results;
}
