/**
 * The promotion command's logic on fixture stack files in a temporary folder, with an injected update history.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { forceRecordOfText } from "../scripts/promotion/forceRecord";
import { StackRecords } from "../scripts/promotion/gate";
import { describeUpdate, lastUpdate, lastUpdateRefusal, meshConfigRan } from "../scripts/promotion/history";
import { checkPromoted, promote, PromotionRefused, PromotionRequest } from "../scripts/promotion/promote";
import { BODY_LIMIT, pullRequestText } from "../scripts/promotion/pullRequest";
import { routeRefusal, skipFinding } from "../scripts/promotion/stages";
import { formatVerifyRecord, parseVerifyRecord, recordFor, TAG_VALUE_LIMIT, verifyRefusal } from "../scripts/promotion/verification";

const DEV = `# Development.
config:
  istio-mesh:mesh:
    istio:
      version: "1.30.4" # the release under test
    images:
      tag: 1.30.4-distroless
    charts:
      repository: oci://registry.example.com/istio/charts
    meshConfig:
      accessLogFile: /dev/stdout
`;

const STAGING = `# Staging: prod's shape, smaller.
config:
  istio-mesh:mesh:
    istio:
      version: "1.30.3" # pinned by promotion
    # Workloads accept mutual TLS only.
    mtls:
      mode: STRICT
`;

const STAGING_AFTER = `# Staging: prod's shape, smaller.
config:
  istio-mesh:mesh:
    istio:
      version: "1.30.4" # pinned by promotion
    # Workloads accept mutual TLS only.
    mtls:
      mode: STRICT
    charts:
      repository: oci://registry.example.com/istio/charts
    images:
      tag: 1.30.4-distroless
`;

const PROD = `# Production.
config:
  istio-mesh:mesh:
    istio:
      version: "1.30.3"
    images:
      hub: registry.example.com/istio
      tag: 1.30.3
`;

/** A stack file's mesh configuration, as plain data. */
function meshOfText(text: string): Record<string, unknown> {
    return parse(text).config["istio-mesh:mesh"];
}

/**
 * One entry of `pulumi stack history --json` as the CLI prints it for a finished update: the configuration it ran
 * (object values twice, as JSON text and as an object), where it ran from, and its result.
 */
function updateEntry(version: number, mesh: unknown, result = "succeeded", kind = "update"): Record<string, unknown> {
    return {
        version,
        kind,
        startTime: `2026-01-${String(version).padStart(2, "0")}T10:00:00Z`,
        message: "",
        environment: { "exec.kind": "cli", "git.head": "3f2c1a0" },
        config: { "istio-mesh:mesh": { value: JSON.stringify(mesh), objectValue: mesh, secret: false } },
        result,
        endTime: `2026-01-${String(version).padStart(2, "0")}T10:04:00Z`,
        resourceChanges: { same: 58, update: 2 },
    };
}

/** The tags of a stack whose verify passed (or failed) after update `update`, as `pulumi stack tag ls --json` prints them. */
function verifiedAfter(update: number, result: "passed" | "failed" = "passed", failed?: string[]): Record<string, string> {
    return {
        "pulumi:project": "istio-mesh",
        "pulumi:runtime": "nodejs",
        "mesh:verify": formatVerifyRecord({
            update,
            started: `2026-01-${String(update).padStart(2, "0")}T10:00:00Z`,
            result,
            at: `2026-01-${String(update).padStart(2, "0")}T10:05:00Z`,
            failed,
        }),
    };
}

let projectDir: string;

function write(stack: string, text: string): void {
    fs.writeFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), text);
}

function read(stack: string): string {
    return fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8");
}

/** Records of stacks that each ran their stack file (as it is now on disk) in update #12 and verified it. */
interface Recorded {
    history: Record<string, unknown[]>;
    tags: Record<string, Record<string, string>>;
    asked: string[];
}

function recordedAsFiles(): Recorded {
    const recorded: Recorded = { history: {}, tags: {}, asked: [] };
    for (const stack of ["dev", "staging", "prod"]) {
        recorded.history[stack] = [updateEntry(12, meshOfText(read(stack)))];
        recorded.tags[stack] = verifiedAfter(12);
    }
    return recorded;
}

function readers(recorded: Recorded): StackRecords {
    return {
        readHistory: (stack) => {
            recorded.asked.push(`history ${stack}`);
            return recorded.history[stack] ?? [];
        },
        readTags: (stack) => {
            recorded.asked.push(`tags ${stack}`);
            return recorded.tags[stack] ?? {};
        },
    };
}

function request(overrides: Partial<PromotionRequest> = {}, recorded: Recorded = recordedAsFiles()): PromotionRequest {
    return { from: "dev", to: "staging", projectDir, ...readers(recorded), now: () => new Date("2026-01-20T08:00:00Z"), ...overrides };
}

function refusal(run: () => unknown): string {
    try {
        run();
    } catch (error) {
        expect(error).toBeInstanceOf(PromotionRefused);
        return (error as Error).message;
    }
    throw new Error("expected the promotion to be refused");
}

beforeEach(() => {
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "promote-"));
    write("dev", DEV);
    write("staging", STAGING);
    write("prod", PROD);
});

afterEach(() => {
    fs.rmSync(projectDir, { recursive: true, force: true });
});


describe("promote", () => {
    test("moves version, image tag and charts into the next stage, keeping its comments and other keys", () => {
        const recorded = recordedAsFiles();
        const result = promote(request({}, recorded));

        expect(recorded.asked).toEqual(["history dev", "tags dev"]);
        expect(result.written).toBe(true);
        expect(result.forced).toEqual([]);
        expect(result.changes).toEqual([
            { key: "mesh.istio.version", before: "1.30.3", after: "1.30.4" },
            { key: "mesh.charts", before: undefined, after: { repository: "oci://registry.example.com/istio/charts" } },
            { key: "mesh.images.tag", before: undefined, after: "1.30.4-distroless" },
        ]);
        expect(read("staging")).toBe(STAGING_AFTER);
        expect(read("dev")).toBe(DEV);
    });

    test("prints the before and after of every moved key that changes", () => {
        const result = promote(request());
        expect(result.report).toEqual([
            "Promotion dev -> staging (Pulumi.staging.yaml):",
            '  mesh.istio.version: "1.30.3" -> "1.30.4"',
            '  mesh.charts: (not set) -> {"repository":"oci://registry.example.com/istio/charts"}',
            '  mesh.images.tag: (not set) -> "1.30.4-distroless"',
            "Wrote Pulumi.staging.yaml; review and commit it: merging it deploys staging.",
        ]);
    });

    test("--dry-run prints the same diff and writes nothing", () => {
        const result = promote(request({ dryRun: true }));
        expect(result.written).toBe(false);
        expect(result.report.slice(1, 4)).toEqual([
            '  mesh.istio.version: "1.30.3" -> "1.30.4"',
            '  mesh.charts: (not set) -> {"repository":"oci://registry.example.com/istio/charts"}',
            '  mesh.images.tag: (not set) -> "1.30.4-distroless"',
        ]);
        expect(result.report[4]).toBe("Dry run: Pulumi.staging.yaml was not written.");
        expect(read("staging")).toBe(STAGING);
    });

    test("removes moved keys the source does not set, and a mapping left empty, but keeps the target's own keys", () => {
        write("staging", STAGING_AFTER);
        promote(request({ from: "staging", to: "prod" }));
        const prod = parse(read("prod")).config["istio-mesh:mesh"];
        expect(prod.images).toEqual({ hub: "registry.example.com/istio", tag: "1.30.4-distroless" });

        write("dev", DEV.replace("    images:\n      tag: 1.30.4-distroless\n", ""));
        const result = promote(request());
        expect(result.changes).toEqual([{ key: "mesh.images.tag", before: "1.30.4-distroless", after: undefined }]);
        expect(parse(read("staging")).config["istio-mesh:mesh"].images).toBeUndefined();
        expect(read("staging")).not.toContain("images:");
    });

    test("moves revisions and tags for a canary upgrade, and drops the single version they replace", () => {
        write(
            "dev",
            `config:
  istio-mesh:mesh:
    istio:
      revisions:
        - version: "1.30.3"
        - version: "1.31.0"
          name: canary # the new release, for a few namespaces
      tags:
        default: 1-30-3
        next: canary
`,
        );
        const result = promote(request());
        expect(result.changes.map((change) => change.key)).toEqual(["mesh.istio.version", "mesh.istio.revisions", "mesh.istio.tags"]);
        const istio = parse(read("staging")).config["istio-mesh:mesh"].istio;
        expect(istio).toEqual({
            revisions: [{ version: "1.30.3" }, { version: "1.31.0", name: "canary" }],
            tags: { default: "1-30-3", next: "canary" },
        });
        // Versions stay quoted strings, and dev's comments stay in dev's file.
        expect(read("staging")).toContain('- version: "1.31.0"');
        expect(read("staging")).not.toContain("for a few namespaces");
    });

    test("says there is nothing to move when the target already has the source's pins", () => {
        write("staging", STAGING_AFTER);
        const result = promote(request());
        expect(result.written).toBe(false);
        expect(result.changes).toEqual([]);
        expect(result.report).toEqual(["Promotion dev -> staging (Pulumi.staging.yaml):", "  nothing to move: staging already pins dev's pins"]);
        expect(read("staging")).toBe(STAGING_AFTER);
    });
});

describe("the gate on what ran", () => {
    test("refuses when the source's last update ran other pins, naming each key and both values", () => {
        const recorded = recordedAsFiles();
        // dev's file was bumped to 1.30.4 with a new image tag, but its last update still ran 1.30.3 without one.
        recorded.history.dev = [updateEntry(12, meshOfText(DEV.replace('"1.30.4"', '"1.30.3"').replace("    images:\n      tag: 1.30.4-distroless\n", "")))];
        const message = refusal(() => promote(request({}, recorded)));
        expect(message).toBe(
            [
                "dev -> staging (2 findings); Pulumi.staging.yaml was left as it is:",
                '  - mesh.istio.version: update #12 of stack dev (started 2026-01-12T10:00:00Z) ran "1.30.3", dev\'s stack file pins "1.30.4". ' +
                    "Fix: run pulumi up on dev (and verify it) with these pins before promoting them",
                '  - mesh.images.tag: update #12 of stack dev (started 2026-01-12T10:00:00Z) ran (not set), dev\'s stack file pins "1.30.4-distroless". ' +
                    "Fix: run pulumi up on dev (and verify it) with these pins before promoting them",
                "To promote anyway, pass --force: the findings are then recorded in Pulumi.staging.yaml.",
            ].join("\n"),
        );
        expect(read("staging")).toBe(STAGING);
    });

    test("the newest update counts: an older one that ran the pins does not", () => {
        const recorded = recordedAsFiles();
        const ranPins = meshOfText(DEV);
        recorded.history.dev = [updateEntry(13, { ...ranPins, istio: { version: "1.30.5" } }), updateEntry(12, ranPins)];
        recorded.tags.dev = verifiedAfter(13);
        expect(refusal(() => promote(request({}, recorded)))).toContain(
            '  - mesh.istio.version: update #13 of stack dev (started 2026-01-13T10:00:00Z) ran "1.30.5", dev\'s stack file pins "1.30.4".',
        );
    });

    test("refuses when the source's last update failed, and writes nothing", () => {
        const recorded = recordedAsFiles();
        recorded.history.dev = [updateEntry(13, meshOfText(DEV), "failed"), ...recorded.history.dev];
        expect(refusal(() => promote(request({}, recorded)))).toContain(
            '  - update #13 of stack dev (started 2026-01-13T10:00:00Z) ended "failed", not "succeeded". ' +
                "Fix: make pulumi up succeed on dev before promoting from it\n",
        );
        expect(read("staging")).toBe(STAGING);
    });

    test("refuses when no verify is recorded, when it ran before the last update, or when it failed", () => {
        const recorded = recordedAsFiles();
        recorded.tags.dev = { "pulumi:project": "istio-mesh" };
        expect(refusal(() => promote(request({}, recorded)))).toContain(
            "  - no verify of stack dev is recorded (stack tag mesh:verify), so nothing shows that update #12 (started 2026-01-12T10:00:00Z) works. " +
                "Fix: run npm run verify:record -- dev against dev's cluster (the deploy workflow does after every up)\n",
        );

        recorded.tags.dev = verifiedAfter(11);
        expect(refusal(() => promote(request({}, recorded)))).toContain(
            "  - the last verify of stack dev (2026-01-11T10:05:00Z) ran after update #11 (started 2026-01-11T10:00:00Z), not after update #12 (started 2026-01-12T10:00:00Z). ",
        );

        recorded.tags.dev = verifiedAfter(12, "failed", ["istiod 1-30-4 is ready", "the validation webhook answers"]);
        expect(refusal(() => promote(request({}, recorded)))).toContain(
            "  - verify of stack dev failed at 2026-01-12T10:05:00Z, after update #12 (started 2026-01-12T10:00:00Z): istiod 1-30-4 is ready; the validation webhook answers. " +
                "Fix: repair dev, then run npm run verify:record -- dev\n",
        );
        expect(read("staging")).toBe(STAGING);
    });

    test("refuses when the history or the tags cannot be read, naming the cause", () => {
        const failing = () => {
            throw Object.assign(new Error("Command failed: pulumi stack history"), { stderr: "error: no stack named 'dev' found\n" });
        };
        expect(refusal(() => promote(request({ readHistory: failing })))).toContain(
            "  - could not read the update history of stack dev (error: no stack named 'dev' found). " +
                "Fix: install the Pulumi CLI and log in to the stack's backend (PULUMI_BACKEND_URL)\n",
        );
        expect(refusal(() => promote(request({ readTags: failing })))).toContain("  - could not read the tags of stack dev (error: no stack named 'dev' found).");
    });

    test("refuses to skip a stage, and a stage getting ahead of an earlier one", () => {
        const message = refusal(() => promote(request({ to: "prod" })));
        expect(message).toBe(
            [
                "dev -> prod (2 findings); Pulumi.prod.yaml was left as it is:",
                "  - dev -> prod skips staging, where the change has not been proven. Fix: promote dev -> staging first, or pass --force to skip on purpose",
                "  - prod would run Istio 1.30.4, newer than anything staging runs (newest 1.30.3): prod is never ahead of staging. Fix: promote staging's pins first",
                "To promote anyway, pass --force: the findings are then recorded in Pulumi.prod.yaml.",
            ].join("\n"),
        );
        expect(read("prod")).toBe(PROD);
    });

    test("refuses a promotion that puts a stage ahead of one two stages before it", () => {
        // Staging was forced ahead of dev earlier; moving its pins on to prod would put prod ahead of dev too.
        write("staging", STAGING.replace('"1.30.3"', '"1.31.0"'));
        write("dev", DEV.replace('"1.30.4"', '"1.30.3"'));
        expect(refusal(() => promote(request({ from: "staging", to: "prod" })))).toBe(
            [
                "staging -> prod (1 finding); Pulumi.prod.yaml was left as it is:",
                "  - prod would run Istio 1.31.0, newer than anything dev runs (newest 1.30.3): prod is never ahead of dev. Fix: promote dev's pins first",
                "To promote anyway, pass --force: the findings are then recorded in Pulumi.prod.yaml.",
            ].join("\n"),
        );
    });

    test("--force goes past every finding and records them in the target file, where the next regular promotion removes them", () => {
        const recorded = recordedAsFiles();
        recorded.tags.dev = verifiedAfter(12, "failed", ["istiod 1-30-4 is ready"]);
        const result = promote(request({ to: "prod", force: true }, recorded));
        expect(result.written).toBe(true);
        expect(result.forced).toHaveLength(3);
        expect(result.report.slice(4)).toEqual([
            "Forced past 3 findings, recorded in Pulumi.prod.yaml:",
            "  - dev -> prod skips staging, where the change has not been proven. Fix: promote dev -> staging first, or pass --force to skip on purpose",
            "  - verify of stack dev failed at 2026-01-12T10:05:00Z, after update #12 (started 2026-01-12T10:00:00Z): istiod 1-30-4 is ready. Fix: repair dev, then run npm run verify:record -- dev",
            "  - prod would run Istio 1.30.4, newer than anything staging runs (newest 1.30.3): prod is never ahead of staging. Fix: promote staging's pins first",
            "Wrote Pulumi.prod.yaml; review and commit it: merging it deploys prod.",
        ]);
        const prod = read("prod");
        expect(parse(prod).config["istio-mesh:mesh"].istio.version).toBe("1.30.4");
        expect(prod).toContain(
            "\n# Forced promotion dev -> prod on 2026-01-20 (npm run promote -- --force), past these checks:\n" +
                "#   - dev -> prod skips staging, where the change has not been proven.",
        );
        expect(forceRecordOfText(prod)).toEqual({ from: "dev", to: "prod", on: "2026-01-20", findings: result.forced });

        // staging catches up, then a regular staging -> prod promotion (a new image tag) clears the record.
        write("staging", STAGING_AFTER);
        write("dev", DEV.replace("1.30.4-distroless", "1.30.4-debug"));
        promote(request({ force: false }));
        const regular = promote(request({ from: "staging", to: "prod" }));
        expect(regular.report).toContain("The record of an earlier forced promotion was removed from Pulumi.prod.yaml.");
        expect(forceRecordOfText(read("prod"))).toBeUndefined();
        expect(read("prod")).not.toContain("Forced promotion");
        expect(read("prod").endsWith("repository: oci://registry.example.com/istio/charts\n")).toBe(true);
    });

    test("refuses a target that would not validate, listing the problems, and leaves it as it was", () => {
        const staging = `config:
  istio-mesh:mesh:
    istio:
      version: "1.30.3"
    namespaces:
      - name: shop
        revision: 1-30-3
`;
        write("staging", staging);
        const message = refusal(() => promote(request()));
        expect(message).toContain("Pulumi.staging.yaml would not validate after the promotion, so it was left as it is:");
        expect(message).toContain('  mesh.istio.version: "1.30.3" -> "1.30.4"');
        expect(message).toContain('Invalid mesh configuration of stack "staging" (1 problem)');
        expect(message).toContain('mesh.namespaces[0].revision: got "1-30-3"; allowed: a revision of istio.revisions (1-30-4)');
        expect(read("staging")).toBe(staging);
    });
});

describe("the gate at deploy time (--check)", () => {
    test("passes when the target's pins are what its own last update ran: nothing is promoted", () => {
        const recorded = recordedAsFiles();
        recorded.history.dev = [updateEntry(12, meshOfText(DEV), "failed")];
        expect(checkPromoted({ from: "dev", to: "staging", projectDir, ...readers(recorded) })).toEqual([
            "Gate dev -> staging (Pulumi.staging.yaml):",
            "  staging's pins are what update #12 of stack staging (started 2026-01-12T10:00:00Z) ran: nothing is promoted",
        ]);
    });

    test("passes changed pins that the source ran and verified, refuses them otherwise", () => {
        const recorded = recordedAsFiles();
        write("staging", STAGING_AFTER);
        expect(checkPromoted({ from: "dev", to: "staging", projectDir, ...readers(recorded) })).toEqual([
            "Gate dev -> staging (Pulumi.staging.yaml):",
            "  staging's pins are exactly what update #12 of stack dev (started 2026-01-12T10:00:00Z) ran, and verify passed after it",
        ]);

        // dev has moved on since the promotion was opened: the pins were proven by an update that is no longer dev's last.
        recorded.history.dev = [updateEntry(13, { ...meshOfText(DEV), istio: { version: "1.30.5" } }), ...recorded.history.dev];
        recorded.tags.dev = verifiedAfter(13);
        const message = refusal(() => checkPromoted({ from: "dev", to: "staging", projectDir, ...readers(recorded) }));
        expect(message).toBe(
            [
                "Pulumi.staging.yaml changes staging's pins, and they are not what dev ran and verified (1 finding):",
                '  - mesh.istio.version: update #13 of stack dev (started 2026-01-13T10:00:00Z) ran "1.30.5", Pulumi.staging.yaml pins "1.30.4". ' +
                    "Fix: run pulumi up on dev (and verify it) with these pins before promoting them",
                "Fix: promote again (npm run promote -- dev staging) from what dev runs now",
            ].join("\n"),
        );
    });

    test("a hand-edited target that skips its stage is refused; a recorded forced promotion passes and is shown", () => {
        const recorded = recordedAsFiles();
        write("prod", PROD.replace('version: "1.30.3"', 'version: "1.30.4"'));
        expect(refusal(() => checkPromoted({ from: "staging", to: "prod", projectDir, ...readers(recorded) }))).toContain(
            '  - mesh.istio.version: update #12 of stack staging (started 2026-01-12T10:00:00Z) ran "1.30.3", Pulumi.prod.yaml pins "1.30.4".',
        );

        write("prod", PROD);
        promote(request({ to: "prod", force: true }, recorded));
        const report = checkPromoted({ from: "staging", to: "prod", projectDir, ...readers(recorded) });
        expect(report[1]).toBe("  Pulumi.prod.yaml records a forced promotion dev -> prod on 2026-01-20, past these checks:");
        expect(report.slice(2)).toHaveLength(2);
        expect(report[2]).toMatch(/^ {4}- dev -> prod skips staging/);
    });
});

describe("stages", () => {
    test("forward moves are routes; skipping a stage is a finding that --force can go past", () => {
        expect(routeRefusal("dev", "staging")).toBeUndefined();
        expect(routeRefusal("dev", "prod")).toBeUndefined();
        expect(skipFinding("dev", "staging")).toBeUndefined();
        expect(skipFinding("staging", "prod")).toBeUndefined();
        expect(skipFinding("dev", "prod")).toBe(
            "dev -> prod skips staging, where the change has not been proven. Fix: promote dev -> staging first, or pass --force to skip on purpose",
        );
    });

    test("backwards, in place and unknown stacks are refused even with force, before any record is read", () => {
        expect(routeRefusal("prod", "staging")).toBe(
            "prod -> staging goes backwards: a promotion moves forward along dev -> staging -> prod. " +
                "Fix: to roll staging back, revert its stack file's change in version control",
        );
        expect(routeRefusal("dev", "dev")).toMatch(/^dev -> dev goes nowhere/);
        expect(routeRefusal("dev", "qa")).toBe('unknown stack "qa": promotions run between the stacks dev -> staging -> prod. Fix: name two of those');
        const recorded = recordedAsFiles();
        expect(refusal(() => promote(request({ from: "prod", to: "staging", force: true }, recorded)))).toMatch(/^prod -> staging goes backwards/);
        expect(recorded.asked).toEqual([]);
    });
});

describe("the update history", () => {
    test("the newest update counts, not a newer refresh; a destroy counts as the last operation", () => {
        expect(lastUpdateRefusal("dev", [{ kind: "refresh", result: "succeeded" }, { kind: "update", result: "failed", version: 3 }])).toBe(
            'update #3 of stack dev ended "failed", not "succeeded". Fix: make pulumi up succeed on dev before promoting from it',
        );
        expect(lastUpdateRefusal("dev", [{ kind: "refresh", result: "failed" }, { kind: "update", result: "succeeded" }])).toBeUndefined();
        expect(lastUpdateRefusal("dev", [{ kind: "destroy", result: "succeeded", version: 5 }, { kind: "update", result: "succeeded" }])).toBe(
            "operation #5 of stack dev destroyed it. Fix: run pulumi up on dev first",
        );
    });

    test("an update still running, no update at all, or output that is not a history are refused", () => {
        expect(lastUpdateRefusal("dev", [{ kind: "update", result: "in-progress", version: 4 }])).toMatch(/^update #4 of stack dev ended "in-progress"/);
        expect(lastUpdateRefusal("dev", [])).toBe("stack dev has no update yet, so nothing proves its configuration. Fix: run pulumi up on dev first");
        expect(lastUpdateRefusal("dev", { error: "not logged in" })).toMatch(/^the history of stack dev is not a list of updates/);
    });

    test("the mesh configuration an update ran is read from its object value, or from its JSON text; a secret is not", () => {
        const mesh = { istio: { version: "1.30.3" } };
        expect(meshConfigRan(updateEntry(1, mesh))).toEqual(mesh);
        expect(meshConfigRan({ config: { "istio-mesh:mesh": { value: JSON.stringify(mesh), secret: false } } })).toEqual(mesh);
        expect(meshConfigRan({ config: { "istio-mesh:mesh": { secret: true } } })).toBeUndefined();
        expect(meshConfigRan({ config: {} })).toBeUndefined();
    });

    test("reads the history as Pulumi CLI 3.274 prints it for a self-managed backend (every update numbered 0)", () => {
        // `pulumi stack history --json` of a file backend after two ups (environment trimmed).
        const printed = `[
  {"version": 0, "kind": "update", "startTime": "2026-12-01T20:35:44.000Z", "message": "",
   "environment": {"exec.kind": "cli", "pulumi.version": "v3.274.0", "runtime.name": "nodejs"},
   "config": {"istio-mesh:mesh": {
     "value": "{\\"images\\":{\\"tag\\":\\"1.30.3-distroless\\"},\\"istio\\":{\\"version\\":\\"1.30.3\\"}}",
     "objectValue": {"images": {"tag": "1.30.3-distroless"}, "istio": {"version": "1.30.3"}}, "secret": false}},
   "result": "succeeded", "endTime": "2026-12-01T20:35:50.000Z", "resourceChanges": {"same": 1}},
  {"version": 0, "kind": "update", "startTime": "2026-12-01T20:35:26.000Z", "message": "",
   "config": {"istio-mesh:mesh": {"value": "{}", "objectValue": {}, "secret": false}},
   "result": "succeeded", "endTime": "2026-12-01T20:35:32.000Z", "resourceChanges": {"create": 1}}
]`;
        const last = lastUpdate("dev", JSON.parse(printed));
        expect(last.entry?.startTime).toBe("2026-12-01T20:35:44.000Z");
        expect(meshConfigRan(last.entry!)).toEqual({ images: { tag: "1.30.3-distroless" }, istio: { version: "1.30.3" } });
        expect(describeUpdate("dev", last.entry!)).toBe("the update of stack dev started 2026-12-01T20:35:44.000Z");
    });

    test("an update that does not record its mesh configuration cannot prove its pins", () => {
        const recorded = recordedAsFiles();
        recorded.history.dev = [{ version: 12, kind: "update", result: "succeeded", startTime: "2026-01-12T10:00:00Z" }];
        expect(refusal(() => promote(request({}, recorded)))).toContain(
            "  - update #12 of stack dev (started 2026-01-12T10:00:00Z) does not record the mesh configuration it ran",
        );
    });
});

describe("the verify record", () => {
    test("fits a stack tag, counting the failed checks that do not fit", () => {
        const failed = Array.from({ length: 20 }, (_, index) => `namespace team-${index} is injected by 1-31-0`);
        const text = formatVerifyRecord({ update: 7, started: "2026-01-07T09:55:00Z", result: "failed", at: "2026-01-07T10:00:00Z", failed });
        expect(text.length).toBeLessThanOrEqual(TAG_VALUE_LIMIT);
        const record = parseVerifyRecord(text)!;
        expect(record).toMatchObject({ update: 7, started: "2026-01-07T09:55:00Z", result: "failed", at: "2026-01-07T10:00:00Z" });
        expect(record.failed![0]).toBe("namespace team-0 is injected by 1-31-0");
        expect(record.failed![record.failed!.length - 1]).toBe(`and ${20 - (record.failed!.length - 1)} more`);
    });

    test("a tag that is not a record of ours counts as no record", () => {
        expect(parseVerifyRecord("yes")).toBeUndefined();
        expect(parseVerifyRecord('{"update":"7"}')).toBeUndefined();
        const update = { version: 7, startTime: "2026-01-07T09:55:00Z" };
        expect(verifyRefusal("dev", update, parseVerifyRecord("yes"))).toMatch(/^no verify of stack dev is recorded/);
        expect(verifyRefusal("dev", update, recordFor(update, "passed", new Date("2026-01-07T10:00:00Z")))).toBeUndefined();
    });

    test("a self-managed backend numbers every update 0: the start time tells them apart", () => {
        const older = { version: 0, kind: "update", result: "succeeded", startTime: "2026-12-01T20:35:26.000Z" };
        const newer = { ...older, startTime: "2026-12-01T20:35:44.000Z" };
        expect(verifyRefusal("dev", newer, recordFor(older, "passed", new Date("2026-12-01T20:36:00Z")))).toBe(
            "the last verify of stack dev (2026-12-01T20:36:00.000Z) ran after the update started 2026-12-01T20:35:26.000Z, " +
                "not after the update started 2026-12-01T20:35:44.000Z. " +
                "Fix: run npm run verify:record -- dev against dev's cluster (the deploy workflow does after every up)",
        );
        expect(verifyRefusal("dev", newer, recordFor(newer, "passed", new Date("2026-12-01T20:36:00Z")))).toBeUndefined();
    });
});

describe("the command", () => {
    const root = path.join(__dirname, "..");
    // Node keeps the compiled code of TypeScript's compiler (which the command loads to run) between the runs.
    const env = { ...process.env, NODE_COMPILE_CACHE: path.join(root, "node_modules", ".cache", "node-compile-cache") };
    const run = (...args: string[]) =>
        spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/promote.ts", ...args], { cwd: root, encoding: "utf8", env });

    test("runs under Node without a build step and refuses a backwards promotion before reading any record", () => {
        const result = run("prod", "staging", "--force");
        expect(result.stderr).toBe(
            "Promotion refused: prod -> staging goes backwards: a promotion moves forward along dev -> staging -> prod. " +
                "Fix: to roll staging back, revert its stack file's change in version control\n",
        );
        expect(result.status).toBe(1);
    }, 60_000);

    test("validates stack files without loading the Pulumi SDK's runtime (only its errors module)", () => {
        const loaded = spawnSync(
            process.execPath,
            [
                "--require",
                "./scripts/register-ts.js",
                "-e",
                'require("./scripts/promotion/promote"); console.log(Object.keys(require.cache).filter((file) => file.includes("@pulumi")).map((file) => file.split("node_modules/")[1]).join("\\n"))',
            ],
            { cwd: root, encoding: "utf8", env },
        );
        expect(loaded.stderr).toBe("");
        expect(loaded.stdout.trim().split("\n")).toEqual(["@pulumi/pulumi/errors.js", "@pulumi/pulumi/utils.js"]);
    }, 60_000);

    test("prints its usage for a wrong call", () => {
        const usage = "usage: npm run promote -- <from> <to> [--dry-run] [--force] | --check   (stacks: dev -> staging -> prod)\n";
        expect(run("dev", "--now").stderr).toBe(`unknown option --now\n${usage}`);
        const checkWithForce = run("dev", "staging", "--check", "--force");
        expect(checkWithForce.stderr).toBe(usage);
        expect(checkWithForce.status).toBe(2);
    }, 60_000);
});

describe("the promotion's pull request", () => {
    const report = [
        "Promotion dev -> staging (Pulumi.staging.yaml):",
        '  mesh.istio.version: "1.30.3" -> "1.31.0"',
        "Wrote Pulumi.staging.yaml; review and commit it: merging it deploys staging.",
    ].join("\n");

    test("is titled by the release it moves, commits the report and shows the target's preview", () => {
        const text = pullRequestText("dev", "staging", report, "Previewing update (staging):\n  ~ kubernetes:apps/v1:Deployment istiod\nResources:\n    ~ 1 to update\n");
        expect(text.title).toBe("Promote dev -> staging: Istio 1.31.0");
        expect(text.commitMessage).toBe(`Promote dev -> staging: Istio 1.31.0\n\n${report}\n`);
        expect(text.body).toContain("Merging this deploys staging");
        expect(text.body).toContain('```\nPromotion dev -> staging (Pulumi.staging.yaml):\n  mesh.istio.version: "1.30.3" -> "1.31.0"');
        expect(text.body).toContain("### Preview of staging with this change (policy pack on)\n\n```\nPreviewing update (staging):");
    });

    test("says when it was forced, and keeps the end of a preview too long for a pull request", () => {
        const forced = `${report}\nForced past 1 finding, recorded in Pulumi.prod.yaml:\n  - dev -> prod skips staging`;
        const preview = `${"  ~ an object\n".repeat(10_000)}Resources:\n    ~ 10000 to update\n`;
        const text = pullRequestText("dev", "prod", forced, preview);
        expect(text.title).toBe("Promote dev -> prod: Istio 1.31.0 (forced)");
        expect(text.body.length).toBeLessThanOrEqual(BODY_LIMIT);
        expect(text.body).toMatch(/\(first \d+ characters left out\)\n/);
        expect(text.body).toContain("Resources:\n    ~ 10000 to update\n```");
    });
});
