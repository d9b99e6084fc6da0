/**
 * Checks a running mesh against a stack's configuration, on any cluster (the current kube context, or KUBECONFIG):
 *
 *   npm run verify -- [stack]        (default: dev; reads Pulumi.<stack>.yaml)
 *
 * istiod of every revision is ready, the validation webhook answers, a dry-run pod in each enrolled namespace is
 * injected by the expected revision with the right init container, and the CA chain is valid and not close to
 * expiry. Exits 1 when a check fails; warnings do not fail.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseMeshConfig } from "../components/config/load";
import { MeshConfigError } from "../components/config/issues";
import { formatReport } from "../components/verify/checks";
import { verifyCluster } from "../components/verify/cluster";

function main(argv: readonly string[]): number {
    const stack = argv[0] ?? "dev";
    const file = path.join(__dirname, "..", `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        console.error(`no stack file ${path.basename(file)}; usage: npm run verify -- [stack]`);
        return 2;
    }
    const document = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    try {
        const settings = parseMeshConfig(document.config?.["istio-mesh:mesh"], {}, stack);
        const results = verifyCluster(settings);
        console.log(formatReport(results));
        return results.some((result) => result.status === "fail") ? 1 : 0;
    } catch (error) {
        if (error instanceof MeshConfigError) {
            console.error(error.message);
            return 2;
        }
        throw error;
    }
}

process.exitCode = main(process.argv.slice(2));
