import * as pulumi from "@pulumi/pulumi";
import { CHART_SOURCE_FIX, requestFailureCause, unreachableChartSource } from "../components/charts/chartErrors";
import { isFollowOnError, makeReadable, readableMessage } from "../components/program/readableErrors";

/** What Node's fetch rejects with when the connection fails with `code`. */
function fetchFailure(code: string): Error {
    return Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(code), { code }) });
}

describe("a chart source that cannot be reached reads as one line: the source, the cause, the fix", () => {
    test("an OCI mirror whose host does not resolve", () => {
        const cause = requestFailureCause(fetchFailure("ENOTFOUND"), "https://charts.mirror.invalid/v2/");
        expect(unreachableChartSource("oci://charts.mirror.invalid/istio", cause)).toBe(
            `Istio's charts cannot be pulled from oci://charts.mirror.invalid/istio: charts.mirror.invalid cannot be resolved (no such host). ${CHART_SOURCE_FIX}`,
        );
    });

    test.each([
        ["ECONNREFUSED", "127.0.0.1:5000 refuses connections"],
        ["ECONNRESET", "127.0.0.1:5000 closed the connection"],
        ["EHOSTUNREACH", "127.0.0.1:5000 is unreachable from this machine"],
        ["UND_ERR_CONNECT_TIMEOUT", "127.0.0.1:5000 does not answer"],
        ["EPROTO", "127.0.0.1:5000: EPROTO"],
    ])("%s: %s", (code, cause) => {
        expect(requestFailureCause(fetchFailure(code), "https://127.0.0.1:5000/v2/")).toBe(cause);
    });

    test("a request that timed out", () => {
        expect(requestFailureCause(Object.assign(new Error("timed out"), { name: "TimeoutError" }), "https://ghcr.io/v2/")).toBe("ghcr.io does not answer");
    });

    test("the fix names the keys that choose another source", () => {
        expect(CHART_SOURCE_FIX).toContain("mesh.charts.repository");
        expect(CHART_SOURCE_FIX).toContain("mesh.charts.directory (or ISTIO_CHARTS_DIR)");
    });
});

describe("an error that stops the program is printed as its message alone", () => {
    test("the message, whatever was thrown", () => {
        expect(readableMessage(new Error("something else"))).toBe("something else");
        expect(readableMessage("a rejected string")).toBe("a rejected string");
        expect(readableMessage({ code: 14 })).toBe("the program failed (no message)");
    });

    test("makeReadable marks the error as Pulumi's RunError and drops the stack", () => {
        const error = new Error("Istio chart \"base\" 1.31.0 not found in the local chart directory /srv/charts");
        makeReadable(error);
        expect((error as Error & { __pulumiRunError?: boolean }).__pulumiRunError).toBe(true);
        expect(error.stack).toBe(error.message);
    });

    test("a resource's error stays beside its resource, without its stack", () => {
        const error = new pulumi.ResourceError("no good", undefined);
        makeReadable(error);
        expect(error.hideStack).toBe(true);
        expect((error as unknown as { __pulumiRunError?: boolean }).__pulumiRunError).toBeUndefined();
    });

    test("errors that only repeat that the engine stopped the program are recognized", () => {
        expect(isFollowOnError(new Error("failed to register new resource mesh-base [kubernetes:helm.sh/v4:Chart]: 2 UNKNOWN: resource monitor shut down"))).toBe(true);
        expect(isFollowOnError(new Error("failed to register new resource mesh-base [kubernetes:helm.sh/v4:Chart]: Resource monitor is terminating"))).toBe(true);
        expect(isFollowOnError(new Error("something else"))).toBe(false);
    });
});
