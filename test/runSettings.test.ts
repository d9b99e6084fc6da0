/**
 * The settings `npm run up|preview|destroy` run the engine with (scripts/env.sh, scripts/pulumi.sh): transpile-only,
 * Node's compile cache, and no per-step checkpoints in previews only. The two scripts run in a scratch copy of the
 * project with a stand-in `pulumi` that records its arguments and environment, so nothing real is started.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const projectRoot = path.join(__dirname, "..");
const RECORDED = ["PULUMI_NODEJS_TRANSPILE_ONLY", "NODE_COMPILE_CACHE", "PULUMI_SKIP_CHECKPOINTS", "PULUMI_BACKEND_URL", "ISTIO_CHARTS_DIR"] as const;

interface Invocation {
    readonly args: string;
    readonly env: Record<(typeof RECORDED)[number], string>;
}

let scratch: string;

beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-run-settings-"));
    fs.mkdirSync(path.join(scratch, "project", "scripts", "tools"), { recursive: true });
    for (const script of ["env.sh", "ensure-engine.sh", "pulumi.sh", "local-cluster-config.js", "local-cluster-start.sh", "tools/progress.sh", "recover.js"]) {
        fs.copyFileSync(path.join(projectRoot, "scripts", script), path.join(scratch, "project", "scripts", script));
    }
    // Istio's charts for the local cluster, as far as scripts/pulumi.sh sees them: a folder that local-charts.sh names.
    fs.writeFileSync(path.join(scratch, "project", "scripts", "local-charts.sh"), "echo /charts/{version}\n");
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(scratch, "project", "node_modules"));
    // The local cluster, as far as scripts/pulumi.sh sees it: built, and started by a cluster.sh that does nothing.
    fs.writeFileSync(path.join(scratch, "project", "scripts", "cluster.sh"), "exit 0\n");
    fs.mkdirSync(path.join(scratch, "project", ".local", "bin"), { recursive: true });
    fs.writeFileSync(path.join(scratch, "project", ".local", "bin", "kube-apiserver"), "", { mode: 0o755 });
    fs.writeFileSync(
        path.join(scratch, "project", "Pulumi.dev.yaml"),
        'config:\n  istio-mesh:mesh:\n    istio:\n      version: "1.30.3"\n    webhooks:\n      validationFailurePolicy: Fail\n',
    );
    fs.mkdirSync(path.join(scratch, "home"));
    fs.mkdirSync(path.join(scratch, "bin"));
    const recorder = [
        "#!/usr/bin/env bash",
        `printf '%s\\n' "$*" >> "${scratch}/calls"`,
        ...RECORDED.map((name) => `printf '${name}=%s\\n' "\${${name}-(unset)}" >> "${scratch}/calls"`),
    ].join("\n");
    fs.writeFileSync(path.join(scratch, "bin", "pulumi"), `${recorder}\n`, { mode: 0o755 });
});

afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
});

/**
 * Runs scripts/pulumi.sh COMMAND and returns what the engine was started with (the last call; the first selects the
 * stack). With `localCluster`, no cluster is named anywhere (no KUBECONFIG, an empty HOME), so the script uses the
 * local one.
 */
function runScript(command: string, extraEnv: Record<string, string> = {}, localCluster = false): Invocation {
    fs.rmSync(path.join(scratch, "calls"), { force: true });
    const inherited = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !(RECORDED as readonly string[]).includes(name) && !name.startsWith("PULUMI_") && name !== "KUBECONFIG"),
    );
    execFileSync("bash", [path.join(scratch, "project", "scripts", "pulumi.sh"), command], {
        env: {
            ...inherited,
            PATH: `${path.join(scratch, "bin")}:${process.env.PATH}`,
            HOME: path.join(scratch, "home"),
            // A kubeconfig is named, so the script never uses the local cluster, unless asked to.
            ...(localCluster ? {} : { KUBECONFIG: path.join(scratch, "kubeconfig") }),
            ...extraEnv,
        },
        stdio: "pipe",
    });
    const lines = fs.readFileSync(path.join(scratch, "calls"), "utf8").trim().split("\n");
    const last = lines.slice(-(RECORDED.length + 1));
    const env = Object.fromEntries(last.slice(1).map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
    return { args: last[0], env: env as Invocation["env"] };
}

describe("npm run up|preview|destroy settings", () => {
    test("a preview skips per-step checkpoints, transpiles only and uses the compile cache in the project", () => {
        const preview = runScript("preview");
        expect(preview.args).toBe("preview --stack dev --refresh");
        expect(preview.env.PULUMI_SKIP_CHECKPOINTS).toBe("true");
        expect(preview.env.PULUMI_NODEJS_TRANSPILE_ONLY).toBe("true");
        expect(preview.env.NODE_COMPILE_CACHE).toBe(path.join(scratch, "project", ".local", "node-compile-cache"));
        expect(preview.env.PULUMI_BACKEND_URL).toBe(`file://${path.join(scratch, "project", ".local", "state")}`);
    });

    test.each(["up", "destroy"])("%s keeps its checkpoints", (command) => {
        const invocation = runScript(command);
        expect(invocation.args).toBe(command === "up" ? "up --stack dev --refresh" : `${command} --stack dev`);
        // On a configured cluster the charts are the stack's own: nothing is substituted.
        expect(invocation.env.ISTIO_CHARTS_DIR).toBe("(unset)");
        expect(invocation.env.PULUMI_SKIP_CHECKPOINTS).toBe("(unset)");
        expect(invocation.env.PULUMI_NODEJS_TRANSPILE_ONLY).toBe("true");
    });

    test("MESH_REFRESH=false runs without the refresh", () => {
        expect(runScript("up", { MESH_REFRESH: "false" }).args).toBe("up --stack dev");
    });

    test("settings already in the environment win", () => {
        const preview = runScript("preview", { PULUMI_SKIP_CHECKPOINTS: "false", PULUMI_NODEJS_TRANSPILE_ONLY: "false", STACK: "prod" });
        expect(preview.args).toBe("preview --stack prod --refresh");
        expect(preview.env.PULUMI_SKIP_CHECKPOINTS).toBe("false");
        expect(preview.env.PULUMI_NODEJS_TRANSPILE_ONLY).toBe("false");
    });

    test("on the local cluster, the stack runs from a copy of its stack file with validation failing open", () => {
        const up = runScript("up", {}, true);
        const copy = path.join(scratch, "project", ".local", "Pulumi.dev.local-cluster.yaml");
        expect(up.args).toBe(`up --stack dev --refresh --config-file ${copy}`);
        // With the charts that scripts/local-charts.sh chose for the local cluster.
        expect(up.env.ISTIO_CHARTS_DIR).toBe("/charts/{version}");
        expect(parse(fs.readFileSync(copy, "utf8"))).toEqual({
            config: { "istio-mesh:mesh": { istio: { version: "1.30.3" }, webhooks: { validationFailurePolicy: "Ignore" }, readiness: { probe: "skip" } } },
        });
        // The stack file itself is unchanged.
        expect(fs.readFileSync(path.join(scratch, "project", "Pulumi.dev.yaml"), "utf8")).toContain("validationFailurePolicy: Fail");
    });
});
