/**
 * The scheduled checks' logic on fixtures: drift read from a preview's JSON, the CA against its renewal window, the
 * verify record, and the report a job summary shows.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { caExpiryReport, renewalDeploy } from "../scripts/checks/caExpiry";
import { DRIFT_FLAGS, driftChanges, driftResult } from "../scripts/checks/drift";
import { caSection, driftSection, formatChecks, verifySection } from "../scripts/checks/report";
import { failedChecks, recordVerify, VerifyRun } from "../scripts/promotion/recordVerify";
import { parseVerifyRecord, VerifyRecord } from "../scripts/promotion/verification";

const ISTIOD = "urn:pulumi:dev::istio-mesh::mesh:index:Mesh$mesh:controlplane:ControlPlane$kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment::mesh-istiod:istio-system/istiod-1-30-3";
const CONFIG = "urn:pulumi:dev::istio-mesh::mesh:index:Mesh$kubernetes:core/v1:ConfigMap::mesh-istiod:istio-system/istio-1-30-3";
const SERVICE = "urn:pulumi:dev::istio-mesh::mesh:index:Mesh$kubernetes:core/v1:Service::mesh-istiod:istio-system/istiod-1-30-3";

/** A preview digest as `pulumi preview --refresh --json` prints it (states left out). */
const DRIFTED = {
    config: {},
    steps: [
        { op: "refresh", urn: ISTIOD },
        { op: "refresh", urn: CONFIG },
        { op: "update", urn: ISTIOD, diffReasons: ["spec"], detailedDiff: { "spec.replicas": { kind: "update", inputDiff: false } } },
        { op: "same", urn: CONFIG },
        { op: "create", urn: SERVICE, detailedDiff: null },
    ],
    changeSummary: { same: 60, update: 1, create: 1 },
};

describe("drift", () => {
    test("names each object the preview would change, with the properties that differ", () => {
        expect(driftChanges(DRIFTED)).toEqual([
            { op: "update", type: "kubernetes:apps/v1:Deployment", name: "mesh-istiod:istio-system/istiod-1-30-3", properties: ["spec.replicas"] },
            { op: "create", type: "kubernetes:core/v1:Service", name: "mesh-istiod:istio-system/istiod-1-30-3", properties: [] },
        ]);
        const replaced = { steps: [{ op: "replace", urn: CONFIG, replaceReasons: ["metadata.name"], diffReasons: ["metadata", "metadata.name"] }] };
        expect(driftChanges(replaced)[0].properties).toEqual(["metadata.name", "metadata"]);
    });

    test("no change is no drift; a preview that failed for another reason is a finding of its own", () => {
        expect(driftResult(JSON.stringify({ steps: [{ op: "refresh", urn: ISTIOD }, { op: "same", urn: ISTIOD }] }), "", 0)).toEqual({ changes: [] });
        expect(driftResult(JSON.stringify(DRIFTED), "error: no changes were expected but changes were proposed\n", 255).changes).toHaveLength(2);
        expect(driftResult("", "error: could not connect to the cluster\n", 255)).toEqual({ changes: [], error: "error: could not connect to the cluster" });
        expect(driftResult("{}", "", 1)).toEqual({ changes: [], error: "the preview failed (exit status 1)" });
        expect(DRIFT_FLAGS).toEqual(["--refresh", "--expect-no-changes", "--json"]);
    });

    test("the report lists the changed objects and says how to keep or undo them", () => {
        const section = driftSection("dev", driftResult(JSON.stringify(DRIFTED), "", 255), "one reviewed up");
        expect(section.passed).toBe(false);
        expect(section.summary).toBe("2 object(s) differ from what the stack holds");
        expect(section.details.slice(0, 2)).toEqual([
            "- update `kubernetes:apps/v1:Deployment` `mesh-istiod:istio-system/istiod-1-30-3`: spec.replicas",
            "- create `kubernetes:core/v1:Service` `mesh-istiod:istio-system/istiod-1-30-3`",
        ]);
        expect(section.details[3]).toMatch(/^Fix: the cluster was changed outside the stack .*committing it to Pulumi\.dev\.yaml; otherwise one reviewed up puts the objects back \(it refreshes first, .* refuses to take them back\)\.$/);
    });
});

describe("CA expiry", () => {
    const now = new Date("2026-06-01T00:00:00Z");

    test("an intermediate inside its renewal window is a finding whose fix is one up", () => {
        const report = caExpiryReport({ intermediateExpiresAt: "2026-06-20T00:00:00Z" }, 30, now, "one reviewed up");
        expect(report.findings).toEqual([
            {
                what: "intermediate CA",
                detail: "expires on 2026-06-20, in 19 days: inside its 30-day renewal window (since 2026-05-21)",
                fix: "one reviewed up: its preview shows the intermediate re-issued and the cacerts Secret updated, nothing else",
            },
        ]);
        expect(report.lines).toEqual(["intermediate CA: expires 2026-06-20 (in 19 days); renewal window (30 days) opens 2026-05-21"]);
    });

    test("a cluster whose intermediate a CA stack issues is renewed by the CA stack's up, then its own", () => {
        const deploy = renewalDeploy("one reviewed up", "acme/istio-mesh/ca");
        expect(deploy).toBe("an up of the CA stack acme/istio-mesh/ca, which re-issues the intermediate, then one reviewed up");
        expect(caExpiryReport({ intermediateExpiresAt: "2026-06-20T00:00:00Z" }, 30, now, deploy).findings[0].fix).toBe(
            `${deploy}: its preview shows the intermediate re-issued and the cacerts Secret updated, nothing else`,
        );
        expect(renewalDeploy("one reviewed up", undefined)).toBe("one reviewed up");
    });

    test("outside the window there is nothing to do; expired and unreadable are findings", () => {
        expect(caExpiryReport({ intermediateExpiresAt: "2026-08-01T00:00:00Z" }, 30, now, "up").findings).toEqual([]);
        expect(caExpiryReport({ intermediateExpiresAt: "2026-05-01T00:00:00Z" }, 30, now, "up").findings[0].detail).toBe(
            "expired on 2026-05-01: workloads get no new certificates",
        );
        expect(caExpiryReport({ intermediateExpiresAt: "soon" }, 30, now, "up").findings[0].detail).toBe("intermediateExpiresAt is not a date: soon");
        expect(caExpiryReport({}, 30, now, "up")).toEqual({ findings: [], lines: [] });
    });

    test("a root close to its expiry is a finding for the rotation runbook", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ca-expiry-"));
        try {
            execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(dir, "k"), "-out", path.join(dir, "c"), "-days", "20", "-subj", "/O=Istio/CN=Root CA short"], { stdio: "ignore" });
            const pem = fs.readFileSync(path.join(dir, "c"), "utf8");
            const report = caExpiryReport({ trustedRootsPem: pem }, 30, new Date(), "up");
            expect(report.findings).toHaveLength(1);
            expect(report.findings[0].what).toBe("root CA O=Istio, CN=Root CA short");
            expect(report.findings[0].detail).toMatch(/^expires on \d{4}-\d\d-\d\d, in (19|20) days \(warning from 60 days\)$/);
            expect(caSection(report).passed).toBe(false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("verify, recorded", () => {
    const REPORT = [
        "ok    istiod 1-30-3 is ready: 1/1 pods ready",
        "FAIL  the validation webhook answers: the API server cannot reach istiod's webhook: failed calling webhook",
        "FAIL  namespace shop is injected by 1-30-3: no istio-proxy container: the namespace is not enrolled",
        "",
        "1 ok, 0 warning(s), 2 failure(s)",
    ].join("\n");
    const HISTORY = [{ version: 0, kind: "update", result: "succeeded", startTime: "2026-12-01T20:35:44.000Z" }];

    function recording(run: VerifyRun, history: unknown = HISTORY) {
        const written: [string, VerifyRecord][] = [];
        const result = recordVerify({
            stack: "dev",
            runVerify: () => run,
            readHistory: () => history,
            writeRecord: (stack, record) => written.push([stack, record]),
            now: () => new Date("2026-12-01T20:40:00Z"),
        });
        return { result, written };
    }

    test("a failed verify is recorded with its failed checks against the newest update, and keeps its exit status", () => {
        expect(failedChecks(REPORT)).toEqual(["the validation webhook answers", "namespace shop is injected by 1-30-3"]);
        const { result, written } = recording({ status: 1, output: REPORT });
        expect(result.status).toBe(1);
        expect(written).toEqual([
            [
                "dev",
                {
                    update: 0,
                    started: "2026-12-01T20:35:44.000Z",
                    result: "failed",
                    at: "2026-12-01T20:40:00.000Z",
                    failed: ["the validation webhook answers", "namespace shop is injected by 1-30-3"],
                },
            ],
        ]);
        expect(result.lines[result.lines.length - 1]).toBe(
            "Recorded: verify failed after the update of stack dev started 2026-12-01T20:35:44.000Z (stack tag mesh:verify).",
        );
    });

    test("a passed verify is recorded as passed; one that cannot be recorded fails", () => {
        const passed = recording({ status: 0, output: "ok    istiod 1-30-3 is ready: 1/1 pods ready\n\n1 ok, 0 warning(s), 0 failure(s)\n" });
        expect(passed.result.status).toBe(0);
        expect(passed.written[0][1]).toMatchObject({ result: "passed", failed: undefined });
        expect(parseVerifyRecord(JSON.stringify(passed.written[0][1]))).toEqual(passed.written[0][1]);

        const noUpdate = recording({ status: 0, output: "" }, []);
        expect(noUpdate.result.status).toBe(1);
        expect(noUpdate.written).toEqual([]);
        expect(noUpdate.result.lines[1]).toBe(
            "verify was not recorded: stack dev has no update yet, so nothing proves its configuration. Fix: run pulumi up on dev first",
        );
    });

    test("the report shows verify's totals, and its whole output when it failed", () => {
        expect(verifySection(0, "ok    a: b\n\n1 ok, 0 warning(s), 0 failure(s)")).toEqual({ title: "verify", passed: true, summary: "1 ok, 0 warning(s), 0 failure(s)", details: [] });
        const failed = verifySection(1, REPORT);
        expect(failed.summary).toBe("1 ok, 0 warning(s), 2 failure(s)");
        expect(failed.details).toContain("FAIL  the validation webhook answers: the API server cannot reach istiod's webhook: failed calling webhook");
    });
});

describe("the report", () => {
    test("a table of every check, then the sections with findings", () => {
        const sections = [
            driftSection("prod", { changes: [] }, "up"),
            verifySection(0, "1 ok, 0 warning(s), 0 failure(s)"),
            caSection(caExpiryReport({ intermediateExpiresAt: "2026-06-20T00:00:00Z" }, 30, new Date("2026-06-01T00:00:00Z"), "up")),
        ];
        expect(formatChecks("prod", sections).split("\n")).toEqual([
            "## Scheduled checks of stack prod: 1 of 3 checks found something",
            "",
            "| check | result | |",
            "|---|---|---|",
            "| drift (preview --refresh --expect-no-changes) | ok | the cluster runs what the stack holds: no change |",
            "| verify | ok | 1 ok, 0 warning(s), 0 failure(s) |",
            "| CA expiry and renewal window | **FINDING** | 1 finding(s) |",
            "",
            "### CA expiry and renewal window",
            "",
            "- intermediate CA: expires on 2026-06-20, in 19 days: inside its 30-day renewal window (since 2026-05-21). Fix: up: its preview shows the intermediate re-issued and the cacerts Secret updated, nothing else",
            "",
            "- intermediate CA: expires 2026-06-20 (in 19 days); renewal window (30 days) opens 2026-05-21",
        ]);
    });

    test("the command refuses a wrong call with its usage", () => {
        const result = spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/scheduled-check.ts", "dev", "--only", "lint"], {
            cwd: path.join(__dirname, ".."),
            encoding: "utf8",
        });
        expect(result.stderr).toBe("usage: npm run check -- <stack> [--only drift,verify,ca]\n");
        expect(result.status).toBe(2);
    }, 60_000);
});
