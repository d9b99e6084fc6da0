import { CHART_SOURCE_FIX, explainChartError } from "../components/charts/chartErrors";
import * as pulumi from "@pulumi/pulumi";
import { makeReadable, readableMessage } from "../components/program/readableErrors";

// Helm's words, as the kubernetes provider returns them for each kind of failure.
const unreachableRepository =
    'unable to locate the chart: looks like "https://istio-release.storage.googleapis.com/charts" is not a valid chart ' +
    'repository or cannot be reached: Get "https://istio-release.storage.googleapis.com/charts/index.yaml": dial tcp: ' +
    "lookup istio-release.storage.googleapis.com on 127.0.0.53:53: no such host";
const unreachableRegistry =
    'unable to locate the chart: failed to do request: Head "https://mirror.invalid/v2/istio/charts/istiod/manifests/1.31.0": ' +
    "dial tcp: lookup mirror.invalid: no such host";
const refused =
    'unable to locate the chart: failed to do request: Head "https://127.0.0.1:5000/v2/istio/base/manifests/1.31.0": ' +
    "dial tcp 127.0.0.1:5000: connect: connection refused";
const missingVersion =
    'unable to locate the chart: chart "istiod" version "1.31.9" not found in https://charts.example.com/istio repository';

describe("a failed chart pull reads as one line: the source, the cause, the fix", () => {
    test("an unreachable Helm repository", () => {
        expect(explainChartError(unreachableRepository)).toBe(
            "Istio's charts cannot be pulled from https://istio-release.storage.googleapis.com/charts: " +
                `istio-release.storage.googleapis.com cannot be resolved (no such host). ${CHART_SOURCE_FIX}`,
        );
    });

    test("an unreachable OCI mirror", () => {
        expect(explainChartError(unreachableRegistry)).toBe(
            `Istio's charts cannot be pulled from oci://mirror.invalid/istio/charts/istiod: mirror.invalid cannot be resolved (no such host). ${CHART_SOURCE_FIX}`,
        );
    });

    test("a registry that refuses connections", () => {
        expect(explainChartError(refused)).toBe(
            `Istio's charts cannot be pulled from oci://127.0.0.1:5000/istio/base: 127.0.0.1:5000: connection refused. ${CHART_SOURCE_FIX}`,
        );
    });

    test("a release the repository does not have", () => {
        expect(explainChartError(missingVersion)).toBe(`Istio's charts cannot be pulled: chart istiod 1.31.9 is not there. ${CHART_SOURCE_FIX}`);
    });

    test("the fix names the keys that choose another source", () => {
        expect(CHART_SOURCE_FIX).toContain("mesh.charts.repository");
        expect(CHART_SOURCE_FIX).toContain("mesh.charts.directory (or ISTIO_CHARTS_DIR)");
    });

    test("other errors are not chart errors", () => {
        expect(explainChartError("Invalid mesh configuration of stack \"dev\" (1 problem); nothing was changed")).toBeUndefined();
    });
});

describe("an error that stops the program is printed as its message alone", () => {
    test("a chart error gets its readable message, other errors keep theirs", () => {
        expect(readableMessage(new Error(unreachableRegistry))).toMatch(/^Istio's charts cannot be pulled from oci:\/\/mirror\.invalid/);
        expect(readableMessage(new Error("something else"))).toBe("something else");
        expect(readableMessage("a rejected string")).toBe("a rejected string");
        expect(readableMessage({ code: 14 })).toBe("the program failed (no message)");
    });

    test("makeReadable marks the error as Pulumi's RunError and drops the stack", () => {
        const error = new Error(unreachableRepository);
        makeReadable(error);
        const marked = error as Error & { __pulumiRunError?: boolean };
        expect(marked.__pulumiRunError).toBe(true);
        expect(error.message).toMatch(/^Istio's charts cannot be pulled from https:\/\/istio-release/);
        expect(error.stack).toBe(error.message);
    });

    test("a resource's error stays beside its resource, without its stack", () => {
        const error = new pulumi.ResourceError(unreachableRegistry, undefined);
        makeReadable(error);
        expect(error.hideStack).toBe(true);
        expect(error.message).toMatch(/^Istio's charts cannot be pulled from oci:\/\/mirror\.invalid/);
        expect((error as unknown as { __pulumiRunError?: boolean }).__pulumiRunError).toBeUndefined();
    });
});
