/**
 * `verify --traffic`: the probe pair it applies, how it judges the client's call, and that it deletes the probes
 * after a success, a failure and an interrupt.
 */
import { EventEmitter } from "events";
import { Kubectl, runTrafficProbe } from "../components/verify/traffic";
import { trafficProbeOptions } from "../components/verify/trafficOptions";
import {
    DEFAULT_CLIENT_IMAGE,
    DEFAULT_SERVER_IMAGE,
    forwardedClientCert,
    judgeTraffic,
    parseHttpResponse,
    probeCall,
    probeManifests,
    xfccIdentities,
} from "../components/verify/trafficProbe";

const OPTIONS = { namespace: "shop", trustDomain: "example.org", runId: "a1b2c3" };
const SERVER_ID = "spiffe://example.org/ns/shop/sa/mesh-verify-server-a1b2c3";
const CLIENT_ID = "spiffe://example.org/ns/shop/sa/mesh-verify-client-a1b2c3";

/** What curl -D - prints for httpbin's /headers behind a sidecar, with the header the server's sidecar adds. */
function response(options: { server?: string; xfcc?: string | string[]; status?: number } = {}): string {
    const headers: Record<string, string[]> = { Host: ["mesh-verify-server-a1b2c3.shop:8000"] };
    if (options.xfcc !== undefined) {
        headers["X-Forwarded-Client-Cert"] = Array.isArray(options.xfcc) ? options.xfcc : [options.xfcc];
    }
    const head = [`HTTP/1.1 ${options.status ?? 200} OK`, "content-type: application/json", ...(options.server ? [`server: ${options.server}`] : [])];
    return `${head.join("\r\n")}\r\n\r\n${JSON.stringify({ headers })}`;
}

const XFCC = `By=${SERVER_ID};Hash=4f1e;Subject="";URI=${CLIENT_ID}`;

describe("the probe pair", () => {
    const objects = probeManifests(OPTIONS);

    test("two ServiceAccounts, the server's Service and two pods, all in the namespace, all labeled with the run", () => {
        expect(objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
            "ServiceAccount/mesh-verify-server-a1b2c3",
            "ServiceAccount/mesh-verify-client-a1b2c3",
            "Service/mesh-verify-server-a1b2c3",
            "Pod/mesh-verify-server-a1b2c3",
            "Pod/mesh-verify-client-a1b2c3",
        ]);
        for (const object of objects) {
            expect([object.metadata.name, object.metadata.namespace, object.metadata.labels["mesh.verify/probe"]]).toEqual([object.metadata.name, "shop", "a1b2c3"]);
        }
    });

    test("each pod runs as its own ServiceAccount (its SPIFFE identity), the Service selects the server", () => {
        const pods = objects.filter((object) => object.kind === "Pod") as unknown as { metadata: { name: string }; spec: { serviceAccountName: string; containers: { image: string }[] } }[];
        expect(pods.map((pod) => [pod.metadata.name, pod.spec.serviceAccountName, pod.spec.containers[0].image])).toEqual([
            ["mesh-verify-server-a1b2c3", "mesh-verify-server-a1b2c3", DEFAULT_SERVER_IMAGE],
            ["mesh-verify-client-a1b2c3", "mesh-verify-client-a1b2c3", DEFAULT_CLIENT_IMAGE],
        ]);
        const service = objects.find((object) => object.kind === "Service") as unknown as { spec: { selector: Record<string, string>; ports: { port: number; targetPort: number }[] } };
        expect(service.spec.selector).toEqual({ app: "mesh-verify-server-a1b2c3" });
        expect(service.spec.ports).toEqual([{ name: "http", port: 8000, targetPort: 8080 }]);
    });

    test("mirrored images replace the samples' images", () => {
        const mirrored = probeManifests({ ...OPTIONS, clientImage: "mirror.example/curl:1", serverImage: "mirror.example/httpbin:1" });
        const images = mirrored.filter((object) => object.kind === "Pod").map((pod) => (pod.spec as { containers: { image: string }[] }).containers[0].image);
        expect(images).toEqual(["mirror.example/httpbin:1", "mirror.example/curl:1"]);
    });

    test("the client calls the server by its Service name", () => {
        expect(probeCall(OPTIONS)).toEqual(["curl", "-sS", "--max-time", "10", "-D", "-", "http://mesh-verify-server-a1b2c3.shop:8000/headers"]);
    });
});

describe("reading the answer", () => {
    test("status and headers of curl -D - output; httpbin's X-Forwarded-Client-Cert as a string or a list", () => {
        const parsed = parseHttpResponse(response({ server: "envoy", xfcc: XFCC }));
        expect([parsed?.status, parsed?.headers.server]).toEqual([200, "envoy"]);
        expect(forwardedClientCert(parsed?.body ?? "")).toBe(XFCC);
        expect(forwardedClientCert(JSON.stringify({ headers: { "x-forwarded-client-cert": XFCC } }))).toBe(XFCC);
        expect(parseHttpResponse("curl: (6) Could not resolve host")).toBeUndefined();
    });

    test("the last element of XFCC names the server (By) and the client (URI)", () => {
        expect(xfccIdentities(`By=spiffe://a/ns/x/sa/gw;URI=spiffe://a/ns/x/sa/first,${XFCC}`)).toEqual({ by: SERVER_ID, uri: CLIENT_ID });
    });
});

describe("judging the call", () => {
    const statuses = (observation: Parameters<typeof judgeTraffic>[1]) => judgeTraffic(OPTIONS, observation).map((result) => `${result.status} ${result.check}: ${result.detail}`);

    test("through both sidecars over mutual TLS: every check passes", () => {
        expect(statuses({ output: response({ server: "envoy", xfcc: XFCC }) })).toEqual([
            "ok traffic probe pods in shop are ready: mesh-verify-client-a1b2c3 and mesh-verify-server-a1b2c3",
            "ok the client calls the server through the mesh: HTTP 200 from http://mesh-verify-server-a1b2c3.shop:8000",
            "ok the server's sidecar answered (server: envoy): server: envoy",
            `ok the call is mutual TLS between the probes' identities: client ${CLIENT_ID} to server ${SERVER_ID}`,
        ]);
    });

    test("no sidecar on the server, no mutual TLS", () => {
        const results = statuses({ output: response({ server: "go-httpbin" }) });
        expect(results.slice(2)).toEqual([
            "fail the server's sidecar answered (server: envoy): server: go-httpbin: the server's pod has no sidecar (is the namespace enrolled?)",
            "fail the call is mutual TLS between the probes' identities: the server saw no X-Forwarded-Client-Cert: the call was not mutual TLS",
        ]);
    });

    test("another identity than the probe's is a failure that names both", () => {
        const results = statuses({ output: response({ server: "envoy", xfcc: `By=${SERVER_ID};URI=spiffe://example.org/ns/shop/sa/default` }) });
        expect(results[3]).toBe(
            `fail the call is mutual TLS between the probes' identities: expected client ${CLIENT_ID} to server ${SERVER_ID}; the server saw client spiffe://example.org/ns/shop/sa/default, server ${SERVER_ID}`,
        );
    });

    test("pods that never become ready, a call that cannot be made, an interrupt", () => {
        expect(statuses({ notReady: "not ready in 120s: timed out waiting for the condition" })).toEqual([
            "fail traffic probe pods in shop are ready: not ready in 120s: timed out waiting for the condition",
        ]);
        expect(statuses({ callError: "kubectl exec mesh-verify-client-a1b2c3: error dialing backend" })[1]).toBe(
            "fail the client calls the server through the mesh: kubectl exec mesh-verify-client-a1b2c3: error dialing backend",
        );
        expect(statuses({ interrupted: "SIGINT" })).toEqual(["fail traffic probe pods in shop are ready: interrupted (SIGINT); the probes were deleted"]);
    });
});

/** A kubectl that records every call and answers from `answer` (a rejection is kubectl's error). */
function fakeKubectl(answer: (args: readonly string[], signal?: AbortSignal) => Promise<string>): { kubectl: Kubectl; calls: string[][] } {
    const calls: string[][] = [];
    const kubectl: Kubectl = (args, options = {}) => {
        calls.push([...args]);
        return answer(args, options.signal);
    };
    return { kubectl, calls };
}

const verbs = (calls: string[][]) => calls.map((args) => args[0]);
const DELETE = ["delete", "pod,service,serviceaccount", "-n", "shop", "-l", "mesh.verify/probe=a1b2c3", "--ignore-not-found", "--timeout=60s"];

describe("running the probe", () => {
    test("apply, wait for both pods, the client's call, then the probes are deleted and none is left", async () => {
        const { kubectl, calls } = fakeKubectl(async (args) => (args[0] === "exec" ? response({ server: "envoy", xfcc: XFCC }) : ""));
        const signals = new EventEmitter();
        const run = await runTrafficProbe(OPTIONS, kubectl, signals);
        expect(verbs(calls)).toEqual(["apply", "wait", "exec", "delete", "get"]);
        expect(calls[1]).toEqual(["wait", "--for=condition=Ready", "pod", "mesh-verify-client-a1b2c3", "mesh-verify-server-a1b2c3", "-n", "shop", "--timeout=120s"]);
        expect(calls[2]).toEqual(["exec", "-n", "shop", "mesh-verify-client-a1b2c3", "-c", "client", "--", ...probeCall(OPTIONS)]);
        expect(calls[3]).toEqual(DELETE);
        expect(run.results.map((result) => result.status)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
        expect(run.results[4]).toEqual({ check: "the traffic probes are deleted from shop", status: "ok", detail: "nothing labeled mesh.verify/probe=a1b2c3 is left" });
        expect(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM")).toBe(0);
    });

    test("a refused apply (the injector fails closed) and pods that never run still end with the delete", async () => {
        for (const failing of ["apply", "wait", "exec"]) {
            const { kubectl, calls } = fakeKubectl(async (args) => {
                if (args[0] === failing) throw new Error(`${failing} failed: error from server\nmore`);
                return "";
            });
            const run = await runTrafficProbe(OPTIONS, kubectl, new EventEmitter());
            expect([failing, verbs(calls).slice(-2)]).toEqual([failing, ["delete", "get"]]);
            expect(run.results.some((result) => result.status === "fail" && result.detail.includes(`${failing} failed: error from server`))).toBe(true);
            expect(run.results.some((result) => result.detail.includes("more"))).toBe(false);
        }
    });

    test("an interrupt stops the call in flight, deletes the probes, and reports the signal", async () => {
        const signals = new EventEmitter();
        const { kubectl, calls } = fakeKubectl(
            (args, signal) =>
                new Promise((resolve, reject) => {
                    if (args[0] !== "wait") return resolve("");
                    // The wait hangs until aborted, as kubectl wait does for pods that never start.
                    signal?.addEventListener("abort", () => reject(new Error("The operation was aborted")));
                    setImmediate(() => signals.emit("SIGINT"));
                }),
        );
        const run = await runTrafficProbe(OPTIONS, kubectl, signals);
        expect(verbs(calls)).toEqual(["apply", "wait", "delete", "get"]);
        expect(run.interrupted).toBe("SIGINT");
        expect(run.results.map((result) => `${result.status} ${result.detail}`)).toEqual([
            "fail interrupted (SIGINT); the probes were deleted",
            "ok nothing labeled mesh.verify/probe=a1b2c3 is left",
        ]);
    });

    test("probes left behind are named, with the command that deletes them", async () => {
        const { kubectl } = fakeKubectl(async (args) => (args[0] === "get" ? "pod/mesh-verify-client-a1b2c3\n" : ""));
        const run = await runTrafficProbe(OPTIONS, kubectl, new EventEmitter());
        expect(run.results[run.results.length - 1]).toEqual({
            check: "the traffic probes are deleted from shop",
            status: "fail",
            detail: "still there: pod/mesh-verify-client-a1b2c3; delete them with kubectl delete pod,service,serviceaccount -n shop -l mesh.verify/probe=a1b2c3",
        });
    });
});

describe("the probe's options for a stack", () => {
    const settings = { namespaces: [{ name: "shop" }, { name: "billing" }], meshConfig: { trustDomain: "example.org" } } as unknown as Parameters<typeof trafficProbeOptions>[0];

    test("the first enrolled namespace, or the one named; the stack's trust domain; mirrored images from the environment", () => {
        expect(trafficProbeOptions(settings, undefined, {}, "r1")).toEqual({ namespace: "shop", trustDomain: "example.org", runId: "r1", clientImage: undefined, serverImage: undefined });
        expect(trafficProbeOptions(settings, "billing", { MESH_VERIFY_CLIENT_IMAGE: "m/curl:1", MESH_VERIFY_SERVER_IMAGE: "m/httpbin:1" }, "r1")).toEqual({
            namespace: "billing",
            trustDomain: "example.org",
            runId: "r1",
            clientImage: "m/curl:1",
            serverImage: "m/httpbin:1",
        });
        expect(trafficProbeOptions(settings, undefined, {}).runId).toMatch(/^[0-9a-f]{6}$/);
    });

    test("a namespace the stack does not enroll, or none at all, is refused with what is allowed", () => {
        expect(() => trafficProbeOptions(settings, "default", {})).toThrow("--traffic=default: not an enrolled namespace of the stack; allowed: shop, billing");
        expect(() => trafficProbeOptions({ ...settings, namespaces: [] }, undefined, {})).toThrow(/enrolls no namespace/);
    });
});
