/**
 * Which Pulumi engine a run uses (scripts/env.sh): the `pulumi` npm package's CLI once downloaded, else the engine
 * built from Go modules into .local/bin (its plugins from PULUMI_HOME, none from PATH), else one on PATH. Each case
 * runs env.sh in a scratch copy of the project with stand-in engines that print who they are.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const projectRoot = path.join(__dirname, "..");
let scratch: string;

function standIn(file: string, name: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\necho ${name}\n`, { mode: 0o755 });
}

/** A scratch project: env.sh, the npm package's launcher and package.json, and what `layout` adds. */
function project(layout: (root: string) => void): string {
    const root = fs.mkdtempSync(path.join(scratch, "project-"));
    fs.mkdirSync(path.join(root, "scripts"));
    fs.copyFileSync(path.join(projectRoot, "scripts", "env.sh"), path.join(root, "scripts", "env.sh"));
    fs.mkdirSync(path.join(root, "node_modules", "pulumi"), { recursive: true });
    fs.writeFileSync(path.join(root, "node_modules", "pulumi", "package.json"), '{\n  "name": "pulumi",\n  "version": "3.265.0",\n  "bin": {}\n}\n');
    standIn(path.join(root, "node_modules", ".bin", "pulumi"), "npm-launcher");
    layout(root);
    return root;
}

/** The engine description, which `pulumi` runs, and the plugin settings after sourcing env.sh. */
function select(root: string, env: Record<string, string> = {}): { engine: string; runs: string; home: string; ignoreAmbient: string } {
    const output = execFileSync(
        "bash",
        ["-c", 'source "$1/scripts/env.sh"; printf "%s\\n" "$PULUMI_ENGINE" "$(pulumi)" "${PULUMI_HOME-}" "${PULUMI_IGNORE_AMBIENT_PLUGINS-}"', "select", root],
        { env: { PATH: `${path.join(scratch, "user-bin")}:/usr/bin:/bin`, HOME: path.join(scratch, "home"), ...env }, encoding: "utf8" },
    );
    const [engine, runs, home, ignoreAmbient] = output.split("\n");
    return { engine, runs, home, ignoreAmbient };
}

beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-engine-"));
    standIn(path.join(scratch, "user-bin", "pulumi"), "users-own");
});

afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
});

describe("the Pulumi engine a run uses", () => {
    test("the npm package's CLI once it is downloaded, with the user's PULUMI_HOME", () => {
        const home = path.join(scratch, "pulumi-home");
        standIn(path.join(home, "versions", "3.265.0", "bin", "pulumi"), "npm-cli");
        const root = project((dir) => standIn(path.join(dir, ".local", "bin", "pulumi"), "built"));
        const selected = select(root, { PULUMI_HOME: home });
        expect(selected.engine).toBe(`Pulumi CLI 3.265.0 of the pulumi npm package (${home}/versions/3.265.0/bin/pulumi)`);
        expect(selected.runs).toBe("npm-cli");
        expect(selected.home).toBe(home);
        expect(selected.ignoreAmbient).toBe("");
    });

    test("else the engine built from Go modules, with its plugins from the project's PULUMI_HOME and none from PATH", () => {
        const root = project((dir) => standIn(path.join(dir, ".local", "bin", "pulumi"), "built"));
        const selected = select(root);
        expect(selected.engine).toBe(`Pulumi engine built from Go modules (${root}/.local/bin/pulumi)`);
        expect(selected.runs).toBe("built");
        expect(selected.home).toBe(path.join(root, ".local", "pulumi"));
        expect(selected.ignoreAmbient).toBe("true");
    });

    test("else a pulumi of the user's own on PATH, never the npm package's launcher", () => {
        const selected = select(project(() => undefined));
        expect(selected.engine).toBe(`Pulumi CLI on PATH (${path.join(scratch, "user-bin", "pulumi")})`);
        expect(selected.runs).toBe("users-own");
    });

    test("none at all: no engine is named (scripts/pulumi.sh then downloads or builds one)", () => {
        const root = project(() => undefined);
        const output = execFileSync("bash", ["-c", 'source "$1/scripts/env.sh"; printf "[%s]" "$PULUMI_ENGINE"', "select", root], {
            env: { PATH: "/usr/bin:/bin", HOME: path.join(scratch, "home") },
            encoding: "utf8",
        });
        expect(output).toBe("[]");
    });
});

describe("the pulumi npm package", () => {
    test("is pinned to an exact release, the one installed, no newer than the SDK", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
        const pinned = manifest.devDependencies.pulumi as string;
        expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
        expect(JSON.parse(fs.readFileSync(require.resolve("pulumi/package.json"), "utf8")).version).toBe(pinned);
        const sdk = (manifest.devDependencies["@pulumi/pulumi"] as string).split(".").map(Number);
        const cli = pinned.split(".").map(Number);
        expect(cli[0]).toBe(sdk[0]);
        expect(cli[1]).toBeLessThanOrEqual(sdk[1]);
    });
});
