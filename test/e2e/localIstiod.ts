/**
 * The real istiod of scripts/istiod.sh for a suite: which release is built, why a suite must skip, start and stop.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./workspace";

const BIN = path.join(PROJECT_ROOT, ".local", "bin");
const ISTIOD_SCRIPT = path.join(PROJECT_ROOT, "scripts", "istiod.sh");

/** The release scripts/tools/istio.sh built (what `istioctl version` reports), undefined when nothing is built. */
export function builtIstioVersion(): string | undefined {
    if (!fs.existsSync(path.join(BIN, "pilot-discovery")) || !fs.existsSync(path.join(BIN, "istioctl"))) {
        return undefined;
    }
    const output = execFileSync(path.join(BIN, "istioctl"), ["version", "--remote=false", "-o", "json"], { encoding: "utf8" });
    return (JSON.parse(output) as { clientVersion: { version: string } }).clientVersion.version;
}

/** Why a suite that runs istiod for `version` cannot run here; undefined when it can. */
export function istiodSkipReason(version: string, built: string | undefined): string | undefined {
    if (built === undefined) {
        return "istiod is not built (.local/bin/pilot-discovery, istioctl): run scripts/tools/istio.sh";
    }
    if (built !== version) {
        return `istiod is built for ${built}, the suite asks for ${version}: run ISTIO_VERSION=${version} scripts/tools/istio.sh`;
    }
    if (!fs.existsSync(path.join(BIN, "clusternet"))) {
        return "the cluster network is not built (.local/bin/clusternet): run scripts/tools/kube.sh";
    }
    return undefined;
}

/** scripts/istiod.sh start|stop for one revision; null: every istiod it started (`stop` only). */
export function istiod(command: "start" | "stop", revision: string | null): string {
    const args = [ISTIOD_SCRIPT, command, ...(revision === null ? [] : [revision])];
    try {
        return execFileSync("bash", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 5 * 60_000 });
    } catch (error) {
        throw new Error(`istiod.sh ${command} ${revision ?? ""} failed:\n${(error as { stderr?: string }).stderr ?? error}`);
    }
}
