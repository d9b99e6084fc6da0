/**
 * The promotion command's logic on fixture stack files in a temporary folder, with an injected update history.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { HistoryReader, lastUpdateRefusal } from "../scripts/promotion/history";
import { promote, PromotionRefused, PromotionRequest } from "../scripts/promotion/promote";
import { routeRefusal } from "../scripts/promotion/stages";

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

const SUCCEEDED = [{ version: 12, kind: "update", result: "succeeded", startTime: "2026-01-10T10:00:00Z" }];

let projectDir: string;

function write(stack: string, text: string): void {
    fs.writeFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), text);
}

function read(stack: string): string {
    return fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8");
}

/** A history reader that records which stacks it was asked about. */
function historyOf(entries: unknown): HistoryReader & { asked: string[] } {
    const asked: string[] = [];
    return Object.assign((stack: string) => {
        asked.push(stack);
        return entries;
    }, { asked });
}

function request(overrides: Partial<PromotionRequest> = {}): PromotionRequest {
    return { from: "dev", to: "staging", projectDir, readHistory: historyOf(SUCCEEDED), ...overrides };
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
        const history = historyOf(SUCCEEDED);
        const result = promote(request({ readHistory: history }));

        expect(history.asked).toEqual(["dev"]);
        expect(result.written).toBe(true);
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
            "Wrote Pulumi.staging.yaml; review and commit it, then run pulumi up on staging.",
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
        promote(request({ force: true, to: "prod" }));
        const prod = parse(read("prod")).config["istio-mesh:mesh"];
        expect(prod.images).toEqual({ hub: "registry.example.com/istio", tag: "1.30.4-distroless" });

        write("staging", STAGING_AFTER);
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
        expect(result.changes.map((change) => change.key)).toEqual([
            "mesh.istio.version",
            "mesh.istio.revisions",
            "mesh.istio.tags",
        ]);
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
        expect(result.report).toEqual([
            "Promotion dev -> staging (Pulumi.staging.yaml):",
            "  nothing to move: staging already runs dev's pins",
        ]);
        expect(read("staging")).toBe(STAGING_AFTER);
    });

    test("refuses when the source stack's last update failed, and writes nothing", () => {
        const message = refusal(() =>
            promote(request({ readHistory: historyOf([{ version: 13, kind: "update", result: "failed", startTime: "2026-01-11T09:00:00Z" }, ...SUCCEEDED]) })),
        );
        expect(message).toBe(
            'update #13 of stack dev (started 2026-01-11T09:00:00Z) ended "failed", not "succeeded". ' +
                "Fix: make pulumi up succeed on dev before promoting from it",
        );
        expect(read("staging")).toBe(STAGING);
    });

    test("refuses when the history cannot be read, naming the cause", () => {
        const message = refusal(() =>
            promote(
                request({
                    readHistory: () => {
                        throw new Error("spawnSync pulumi ENOENT");
                    },
                }),
            ),
        );
        expect(message).toBe(
            "could not read the update history of stack dev (spawnSync pulumi ENOENT). " +
                "Fix: install the Pulumi CLI and log in to the stack's backend (PULUMI_BACKEND_URL)",
        );
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

    test("refuses to skip a stage unless forced", () => {
        const history = historyOf(SUCCEEDED);
        const message = refusal(() => promote(request({ to: "prod", readHistory: history })));
        expect(message).toBe(
            "dev -> prod skips staging, where the change has not been proven. " +
                "Fix: promote dev -> staging first, or pass --force to skip on purpose",
        );
        expect(history.asked).toEqual([]);
        expect(read("prod")).toBe(PROD);

        expect(promote(request({ to: "prod", force: true })).written).toBe(true);
        expect(parse(read("prod")).config["istio-mesh:mesh"].istio.version).toBe("1.30.4");
    });

    test("promotes the committed stack files onto each other without a change: every stage pins the same release", () => {
        const root = path.join(__dirname, "..");
        for (const stack of ["dev", "staging", "prod"]) {
            fs.copyFileSync(path.join(root, `Pulumi.${stack}.yaml`), path.join(projectDir, `Pulumi.${stack}.yaml`));
        }
        expect(promote(request({ dryRun: true })).changes).toEqual([]);
        expect(promote(request({ from: "staging", to: "prod", dryRun: true })).changes).toEqual([]);
    });
});

describe("stages", () => {
    test.each([
        ["dev", "staging", false, undefined],
        ["staging", "prod", false, undefined],
        ["dev", "prod", true, undefined],
    ])("%s -> %s (force %s) is allowed", (from, to, force, expected) => {
        expect(routeRefusal(from, to, force)).toBe(expected);
    });

    test("backwards, in place and unknown stacks are refused even with force", () => {
        expect(routeRefusal("prod", "staging", true)).toBe(
            "prod -> staging goes backwards: a promotion moves forward along dev -> staging -> prod. " +
                "Fix: to roll staging back, revert its stack file's change in version control",
        );
        expect(routeRefusal("dev", "dev", true)).toMatch(/^dev -> dev goes nowhere/);
        expect(routeRefusal("dev", "qa", true)).toBe(
            'unknown stack "qa": promotions run between the stacks dev -> staging -> prod. Fix: name two of those',
        );
    });
});

describe("last update", () => {
    test("the newest update counts, not a newer refresh", () => {
        expect(lastUpdateRefusal("dev", [{ kind: "refresh", result: "succeeded" }, { kind: "update", result: "failed", version: 3 }])).toBe(
            'update #3 of stack dev ended "failed", not "succeeded". Fix: make pulumi up succeed on dev before promoting from it',
        );
        expect(lastUpdateRefusal("dev", [{ kind: "refresh", result: "failed" }, { kind: "update", result: "succeeded" }])).toBeUndefined();
    });

    test("an update still running, no update at all, or output that is not a history are refused", () => {
        expect(lastUpdateRefusal("dev", [{ kind: "update", result: "in-progress", version: 4 }])).toMatch(/^update #4 of stack dev ended "in-progress"/);
        expect(lastUpdateRefusal("dev", [])).toBe(
            "stack dev has no update yet, so nothing proves its configuration. Fix: run pulumi up on dev first",
        );
        expect(lastUpdateRefusal("dev", { error: "not logged in" })).toMatch(/^the history of stack dev is not a list of updates/);
    });
});

describe("the command", () => {
    const root = path.join(__dirname, "..");
    // Node keeps the compiled code of TypeScript's compiler (which the command loads to run) between the runs.
    const env = { ...process.env, NODE_COMPILE_CACHE: path.join(root, "node_modules", ".cache", "node-compile-cache") };
    const run = (...args: string[]) =>
        spawnSync(process.execPath, ["--require", "./scripts/register-ts.js", "scripts/promote.ts", ...args], { cwd: root, encoding: "utf8", env });

    test("runs under Node without a build step and refuses a skipped stage before reading any history", () => {
        const result = run("dev", "prod", "--dry-run");
        expect(result.stderr).toBe(
            "Promotion refused: dev -> prod skips staging, where the change has not been proven. " +
                "Fix: promote dev -> staging first, or pass --force to skip on purpose\n",
        );
        expect(result.status).toBe(1);
    });

    test("prints its usage for a wrong call", () => {
        const result = run("dev", "--now");
        expect(result.stderr).toBe(
            "unknown option --now\nusage: npm run promote -- <from> <to> [--dry-run] [--force]   (stacks: dev -> staging -> prod)\n",
        );
        expect(result.status).toBe(2);
    });
});
