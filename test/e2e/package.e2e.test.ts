/**
 * The package as its users get it: `npm pack`, the tarball installed into fresh copies of the examples in a temporary
 * folder (nothing of this repository but the tarball), their own unit tests run against it, then the platform
 * example (its own Kubernetes provider from an Output kubeconfig) previewed, applied and applied again with no
 * change by the real engine on the local cluster, and destroyed.
 *
 * Run with `npm run e2e -- test/e2e/package.e2e.test.ts`. It needs the npm registry (or npm's cache) for the
 * examples' own dependencies; Istio's charts come from ISTIO_CHARTS_DIR, as in the other suites.
 */
import * as automation from "@pulumi/pulumi/automation";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { find } from "../../components/verify/kubectl";
import { discardStack, installedCopy, PACKAGE, packProject, run } from "./packedPackage";
import { changes, collect, PROJECT_ROOT, Step } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const suite = chartsDirectory && kubeconfig ? describe : describe.skip;

if (!chartsDirectory || !kubeconfig) {
    console.log(`package suite skipped: ${!chartsDirectory ? `${CHARTS_DIRECTORY_ENV} is not set` : "KUBECONFIG is not set"}`);
}

/** Runs an example's unit tests (jest reports on stderr); fails with their output when they fail. */
function unitTests(cwd: string): string {
    const result = spawnSync("npm", ["test", "--", "--ci"], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const output = `${result.stdout}${result.stderr}`;
    if (result.status !== 0) {
        throw new Error(`npm test failed in ${cwd}:\n${output}`);
    }
    return output.split("\n").filter((line) => /^Tests:/.test(line)).join(" ");
}

/** A fresh copy of an example of the repository in `into`, installed against the tarball. */
function exampleFrom(name: string, into: string, tarball: string, dependencies: Record<string, string> = {}): string {
    return installedCopy(path.join(PROJECT_ROOT, "examples", name), path.join(into, name), tarball, dependencies);
}

suite("the packed package in programs outside the repository", () => {
    jest.setTimeout(20 * 60 * 1000);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-package-"));
    let tarball = "";
    let platform = "";
    let stack: automation.Stack | undefined;

    beforeAll(() => {
        tarball = packProject(folder);
    });

    afterAll(async () => {
        await discardStack(stack);
        fs.rmSync(folder, { recursive: true, force: true });
    });

    test("the tarball holds the built package: JavaScript, declarations and its manifest, no sources or tests", () => {
        const files = run("tar", ["-tzf", tarball], folder).trim().split("\n");
        expect(files).toContain("package/package.json");
        for (const entry of ["index", "config/index", "testing/index", "mesh"]) {
            expect(files).toContain(`package/dist/${entry}.js`);
            expect(files).toContain(`package/dist/${entry}.d.ts`);
        }
        expect(files.filter((file) => /\.ts$/.test(file) && !file.endsWith(".d.ts"))).toEqual([]);
        expect(files.filter((file) => /(^|\/)(test|examples|scripts|policy)\//.test(file))).toEqual([]);
        // Of verify, only the pure judgments the readiness gate and the revision census share with it; never its CLI.
        const verifyModules = new Set(files.filter((file) => file.startsWith("package/dist/verify/")).map((file) => path.basename(file).replace(/\.(d\.ts|js)$/, "")));
        expect([...verifyModules].filter((module) => !["checks", "x509"].includes(module))).toEqual([]);
    });

    test("the committed API reference (docs/api) is what npm run docs makes of these declaration files", () => {
        const generated = path.join(folder, "api");
        run("npx", ["typedoc", "--out", generated], PROJECT_ROOT);
        const files = (root: string): string[] => (fs.readdirSync(root, { recursive: true }) as string[]).filter((file) => file.endsWith(".md")).sort();
        const committed = path.join(PROJECT_ROOT, "docs", "api");
        expect(files(generated)).toEqual(files(committed));
        const stale = files(committed).filter((file) => fs.readFileSync(path.join(committed, file), "utf8") !== fs.readFileSync(path.join(generated, file), "utf8"));
        expect(stale).toEqual([]);
    });

    test("the minimal example installs it and type-checks against its declarations", () => {
        const minimal = exampleFrom("minimal", folder, tarball);
        expect(fs.existsSync(path.join(minimal, "node_modules", PACKAGE, "dist", "index.js"))).toBe(true);
        run("npx", ["tsc", "--noEmit", "-p", "."], minimal);
    });

    test("the platform example's own unit tests pass with the package's testing entry", () => {
        platform = exampleFrom("platform", folder, tarball);
        console.log(`@pulumi/pulumi and @pulumi/kubernetes as the example pins them: ${unitTests(platform)}`);
    });

    test("the platform example's entries type-check with TypeScript's node16 and bundler resolution too", () => {
        expect(platform).not.toBe("");
        for (const options of [["--module", "node16", "--moduleResolution", "node16"], ["--module", "preserve", "--moduleResolution", "bundler"]]) {
            run("npx", ["tsc", "--noEmit", "-p", ".", ...options], platform);
        }
    });

    test("the platform example's unit tests pass with the newest @pulumi/pulumi and @pulumi/kubernetes of the peer ranges", () => {
        const peers = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { peerDependencies: Record<string, string> }).peerDependencies;
        const newest = exampleFrom("platform", fs.mkdtempSync(path.join(folder, "newest-")), tarball, peers);
        const installed = Object.keys(peers).map((name) => {
            const manifest = JSON.parse(fs.readFileSync(path.join(newest, "node_modules", name, "package.json"), "utf8")) as { version: string };
            return `${name}@${manifest.version}`;
        });
        // One copy of each, shared by the program, the package and the mock runtime.
        const listed = run("npm", ["ls", "--all", "--parseable", ...Object.keys(peers)], newest).trim().split("\n");
        expect(listed.filter((entry) => /node_modules\/@pulumi\/(pulumi|kubernetes)$/.test(entry)).map((entry) => path.relative(newest, entry)).sort()).toEqual([
            "node_modules/@pulumi/kubernetes",
            "node_modules/@pulumi/pulumi",
        ]);
        console.log(`${installed.join(", ")}: ${unitTests(newest)}`);
    });

    test("preview plans the mesh through the program's own provider and creates nothing", async () => {
        expect(platform).not.toBe("");
        stack = await automation.LocalWorkspace.createStack(
            { stackName: `package-${Date.now().toString(36)}`, workDir: platform },
            { workDir: platform, envVars: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } },
        );
        await stack.setConfig("kubeconfig", { value: fs.readFileSync(kubeconfig!, "utf8"), secret: true });
        await stack.setConfig("environment", { value: "simulated" });
        await stack.setConfig("chartsDirectory", { value: chartsDirectory! });
        const steps: Step[] = [];
        await stack.preview({ onEvent: collect(steps), diff: true });
        expect(steps.filter((step) => step.op !== "create")).toEqual([]);
        const planned = new Set(steps.map((step) => step.name));
        for (const name of ["cluster", "mesh", "mesh-ca", "mesh-cacerts", "mesh-base", "mesh-istiod-1-30-3", "mesh-policy-mtls", "mesh-enrollment-shop"]) {
            expect(planned).toContain(name);
        }
        // The program's provider is the only one: the Mesh makes none of its own.
        expect(steps.filter((step) => step.type === "pulumi:providers:kubernetes").map((step) => step.name)).toEqual(["cluster"]);
        expect(find("namespace", "istio-system")).toBeUndefined();
    });

    test("up installs it", async () => {
        const result = await stack!.up({ onEvent: () => undefined });
        expect(result.summary.result).toBe("succeeded");
        expect(result.outputs.revision.value).toBe("1-30-3");
        expect(result.outputs.trustDomain.value).toBe("dev.platform.example.com");
        expect(result.outputs.rootCertificatePem.value).toContain("BEGIN CERTIFICATE");
        for (const [kind, name, namespace] of [
            ["deployment", "istiod-1-30-3", "istio-system"],
            ["secret", "cacerts", "istio-system"],
            ["peerauthentication.security.istio.io", "default", "istio-system"],
            ["namespace", "shop", undefined],
            ["namespace", "payments", undefined],
        ] as const) {
            expect(find(kind, name, namespace)).toBeDefined();
        }
    });

    test("a second up changes nothing", async () => {
        const steps: Step[] = [];
        const result = await stack!.up({ onEvent: collect(steps) });
        expect(changes(steps)).toEqual([]);
        expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
    });

    test("destroy removes what it installed", async () => {
        await stack!.destroy();
        expect(find("deployment", "istiod-1-30-3", "istio-system")).toBeUndefined();
        expect(find("namespace", "shop")).toBeUndefined();
    });
});
