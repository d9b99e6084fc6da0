/**
 * The package as its users get it, for the suites that run programs outside the repository (package.e2e: the
 * examples; component.e2e: the component package's provider): `npm pack` of the project, a folder of the project
 * copied without what was installed or built in it and installed against the tarball, and the teardown of a stack
 * such a program ran.
 */
import * as automation from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { deleteIstioCrds, PROJECT_ROOT } from "./workspace";

export const PACKAGE = "pulumi-istio-mesh";

/** Runs a command to its end; its stdout, or an error with its stderr. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
    return execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
}

/** `npm pack` of the project into `folder`: the tarball's path. */
export function packProject(folder: string): string {
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", folder], PROJECT_ROOT)) as { filename: string }[];
    return path.join(folder, packed[0].filename);
}

/**
 * Copies `source` (a folder of the project: an example, the provider) to `target` without anything installed or
 * built in it, points its dependency on the package at the tarball (and others at `dependencies`, when given), and
 * installs it. The copy's manifest must depend on the package through a packed tarball (`file:...tgz`), as the
 * repository's examples do. Returns `target`.
 */
export function installedCopy(source: string, target: string, tarball: string, dependencies: Record<string, string> = {}): string {
    fs.cpSync(source, target, {
        recursive: true,
        filter: (entry) => !["node_modules", "bin"].includes(path.basename(entry)),
    });
    const manifestPath = path.join(target, "package.json");
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { dependencies: Record<string, string> };
    expect(manifest.dependencies[PACKAGE]).toMatch(/^file:.*\.tgz$/);
    Object.assign(manifest.dependencies, dependencies, { [PACKAGE]: `file:${tarball}` });
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], target);
    return target;
}

/** A suite's teardown for a stack of a program outside the repository: destroy, remove it, then Istio's CRDs; never throws. */
export async function discardStack(stack: automation.Stack | undefined): Promise<void> {
    if (stack === undefined) {
        return;
    }
    await stack.destroy().catch((error) => console.log(`destroy failed: ${error}`));
    await stack.workspace.removeStack(stack.name).catch(() => undefined);
    deleteIstioCrds();
}
