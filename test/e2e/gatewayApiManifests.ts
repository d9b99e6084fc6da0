/**
 * Real Gateway API release manifests for the end-to-end suites, from the `sigs.k8s.io/gateway-api` Go module (the
 * module proxy serves it where the project's release downloads are out of reach): the CRDs of one channel in one
 * file, as the project's <channel>-install.yaml bundles them. Written to a temporary folder, never to the project.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const cache = new Map<string, string>();

/** The module's folder in the Go module cache (downloaded once). */
function moduleDir(version: string): string {
    const output = execFileSync("go", ["mod", "download", "-json", `sigs.k8s.io/gateway-api@${version}`], {
        encoding: "utf8",
        env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
        cwd: os.tmpdir(),
        timeout: 10 * 60_000,
    });
    const dir = (JSON.parse(output) as { Dir?: string; Error?: string }).Dir;
    if (dir === undefined) {
        throw new Error(`go mod download of sigs.k8s.io/gateway-api@${version} gave no folder: ${output}`);
    }
    return dir;
}

/** A manifest file with every object of config/crd/<channel> of that release. */
export function gatewayApiManifest(version: string, channel: "standard" | "experimental" = "standard"): string {
    const key = `${version}/${channel}`;
    const cached = cache.get(key);
    if (cached !== undefined && fs.existsSync(cached)) {
        return cached;
    }
    const folder = path.join(moduleDir(version), "config", "crd", channel);
    const files = fs
        .readdirSync(folder)
        .filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml")
        .sort();
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gateway-api-")), `${channel}-install-${version}.yaml`);
    fs.writeFileSync(target, files.map((file) => fs.readFileSync(path.join(folder, file), "utf8").trim()).join("\n---\n") + "\n");
    cache.set(key, target);
    return target;
}

/** Whether the Go toolchain is there to fetch the module. */
export function goAvailable(): boolean {
    try {
        execFileSync("go", ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}
