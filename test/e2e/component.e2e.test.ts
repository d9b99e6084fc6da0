/**
 * The Mesh served to other languages as the Pulumi component package `mesh` (provider/): the provider built from the
 * packed package in a temporary folder, its schema read by the engine, then the YAML example previewed, applied,
 * applied again with no change and destroyed on the local cluster.
 *
 * Run with `npm run e2e -- test/e2e/component.e2e.test.ts`. The YAML steps need Pulumi YAML's language host on PATH
 * (`go install github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v1.25.0`); without it they say they skipped.
 */
import * as automation from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS_DIRECTORY_ENV } from "../../components/config/load";
import { find } from "../../components/verify/kubectl";
import { discardStack, installedCopy, packProject, run } from "./packedPackage";
import { changes, collect, PROJECT_ROOT, Step } from "./workspace";

const chartsDirectory = process.env[CHARTS_DIRECTORY_ENV];
const kubeconfig = process.env.KUBECONFIG;
const suite = chartsDirectory && kubeconfig ? describe : describe.skip;

function onPath(program: string): boolean {
    return (process.env.PATH ?? "").split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, program)));
}
const yamlHost = onPath("pulumi-language-yaml");
const withYaml = yamlHost ? test : test.skip;

if (!chartsDirectory || !kubeconfig) {
    console.log(`component suite skipped: ${!chartsDirectory ? `${CHARTS_DIRECTORY_ENV} is not set` : "KUBECONFIG is not set"}`);
} else if (!yamlHost) {
    console.log("component suite: the YAML program's steps skipped: pulumi-language-yaml is not on PATH");
}

interface PackageSchema {
    readonly name: string;
    readonly resources: Record<string, { isComponent?: boolean; inputProperties: Record<string, unknown>; properties: Record<string, unknown> }>;
}

suite("the mesh component package, from a Pulumi YAML program", () => {
    jest.setTimeout(20 * 60 * 1000);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-component-"));
    const provider = path.join(folder, "provider");
    const program = path.join(folder, "yaml");
    // The engine finds a resource plugin named pulumi-resource-<package> on PATH.
    const env = { ...process.env, PATH: `${provider}${path.delimiter}${process.env.PATH}` };
    let stack: automation.Stack | undefined;

    beforeAll(() => {
        installedCopy(path.join(PROJECT_ROOT, "provider"), provider, packProject(folder));
        run("npm", ["run", "build"], provider);
        fs.cpSync(path.join(PROJECT_ROOT, "examples", "yaml"), program, { recursive: true, filter: (source) => path.basename(source) !== "node_modules" });
        // The CA's intermediate is signed by a dynamic provider, whose host Pulumi starts in the program's folder and
        // which loads @pulumi/pulumi and the package from there (pulumi/pulumi#5455): the provider's packages.
        fs.symlinkSync(path.join(provider, "node_modules"), path.join(program, "node_modules"));
    });

    afterAll(async () => {
        await discardStack(stack);
        fs.rmSync(folder, { recursive: true, force: true });
    });

    test("the engine reads the package's schema from the provider: the Mesh component, its inputs and outputs", () => {
        const schema = JSON.parse(run("pulumi", ["package", "get-schema", path.join(provider, "pulumi-resource-mesh")], folder, env)) as PackageSchema;
        expect(schema.name).toBe("mesh");
        const mesh = schema.resources["mesh:index:Mesh"];
        expect(mesh.isComponent).toBe(true);
        expect(Object.keys(mesh.inputProperties)).toEqual(expect.arrayContaining(["istio", "namespaces", "gateways", "pki", "mtls", "rootCertificates"]));
        expect(Object.keys(mesh.inputProperties)).not.toContain("cluster");
        expect(mesh.inputProperties.kubeconfig).toMatchObject({ type: "string" });
        expect(Object.keys(mesh.properties).sort()).toEqual(["istioNamespace", "istioVersion", "revision", "rootCertificatePem", "trustDomain"]);
    });

    withYaml("preview plans the mesh, through the provider the Mesh makes from the given kubeconfig", async () => {
        stack = await automation.LocalWorkspace.createStack(
            { stackName: `component-${Date.now().toString(36)}`, workDir: program },
            { workDir: program, envVars: { PATH: env.PATH! } },
        );
        await stack.setConfig("kubeconfig", { value: fs.readFileSync(kubeconfig!, "utf8"), secret: true });
        await stack.setConfig("chartsDirectory", { value: chartsDirectory! });
        const steps: Step[] = [];
        await stack.preview({ onEvent: collect(steps) });
        expect(steps.filter((step) => step.op !== "create")).toEqual([]);
        const planned = new Set(steps.map((step) => step.name));
        for (const name of ["mesh", "mesh-cacerts", "mesh-base", "mesh-istiod-1-30-3", "mesh-policy-mtls", "mesh-enrollment-shop"]) {
            expect(planned).toContain(name);
        }
        expect(steps.filter((step) => step.type === "pulumi:providers:kubernetes").map((step) => step.name)).toEqual(["mesh-kubernetes"]);
    });

    withYaml("up installs it and the outputs come back to the YAML program", async () => {
        const result = await stack!.up({ onEvent: () => undefined });
        expect(result.summary.result).toBe("succeeded");
        expect(result.outputs.revision.value).toBe("1-30-3");
        expect(result.outputs.istioNamespace.value).toBe("istio-system");
        expect(result.outputs.rootCertificatePem.value).toContain("BEGIN CERTIFICATE");
        expect(find("deployment", "istiod-1-30-3", "istio-system")).toBeDefined();
        expect(find("namespace", "shop")).toBeDefined();
    });

    withYaml("a second up changes nothing", async () => {
        const steps: Step[] = [];
        const result = await stack!.up({ onEvent: collect(steps) });
        expect(changes(steps)).toEqual([]);
        expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
    });

    withYaml("destroy removes it", async () => {
        await stack!.destroy();
        expect(find("deployment", "istiod-1-30-3", "istio-system")).toBeUndefined();
    });
});
