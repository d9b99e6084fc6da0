/**
 * Checks a running mesh against a stack's configuration, on any cluster (the current kube context, or KUBECONFIG):
 *
 *   npm run verify -- [stack] [--traffic[=namespace]]        (default: dev; reads Pulumi.<stack>.yaml)
 *
 * istiod of every revision is ready, the validation webhook answers, a dry-run pod in each enrolled namespace is
 * injected by the expected revision with the right init container, and the CA chain is valid and not close to
 * expiry. With --traffic, a short-lived client and server are deployed into an enrolled namespace (the first one,
 * or the one named), the client calls the server through the mesh, and the call must reach the server's sidecar
 * over mutual TLS with both probes' SPIFFE IDs; the probes are deleted afterwards, also on failure or Ctrl-C.
 * Exits 1 when a check fails; warnings do not fail.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseMeshConfig } from "../components/config/load";
import { MeshConfigError } from "../components/config/issues";
import { formatReport } from "../components/verify/checks";
import { verifyCluster } from "../components/verify/cluster";
import { trafficProbeOptions } from "../components/verify/trafficOptions";
import { runTrafficProbe } from "../components/verify/traffic";

async function main(argv: readonly string[]): Promise<number> {
    const traffic = argv.find((arg) => arg === "--traffic" || arg.startsWith("--traffic="));
    const stack = argv.find((arg) => !arg.startsWith("--")) ?? "dev";
    const file = path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        console.error(`no stack file ${path.basename(file)}; usage: npm run verify -- [stack]`);
        return 2;
    }
    const document = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    try {
        const settings = parseMeshConfig(document.config?.["istio-mesh:mesh"], {}, stack);
        const results = verifyCluster(settings);
        let interrupted = false;
        if (traffic !== undefined) {
            const run = await runTrafficProbe(trafficProbeOptions(settings, traffic.slice("--traffic=".length) || undefined));
            results.push(...run.results);
            interrupted = run.interrupted !== undefined;
        }
        console.log(formatReport(results));
        return interrupted ? 130 : results.some((result) => result.status === "fail") ? 1 : 0;
    } catch (error) {
        if (error instanceof MeshConfigError) {
            console.error(error.message);
            return 2;
        }
        throw error;
    }
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exitCode = 2;
    },
);
