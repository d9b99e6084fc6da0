/**
 * Reads the Gateway API CRDs that the cluster holds (name, bundle version, channel), so that the version rules run
 * before anything is applied. The Kubernetes provider has no way to look an object up without failing when it is
 * absent, so the cluster is read with kubectl, through the same kubeconfig and context as the stack's provider.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LiveCrd } from "./crdRules";
import { BUNDLE_VERSION_ANNOTATION, CHANNEL_ANNOTATION, GATEWAY_API_EXPERIMENTAL_GROUP, GATEWAY_API_GROUP } from "./versions";

/** Returns the Gateway API CRDs of the cluster; throws with a message for the person running the stack. */
export type LiveCrdReader = () => LiveCrd[];

export interface ClusterAccess {
    /** A kubeconfig path or its contents; undefined: the current kube context (KUBECONFIG or ~/.kube/config). */
    readonly kubeconfig?: string;
    readonly context?: string;
}

// One line per Gateway API CRD: name, bundle version, channel; "<no value>" where an annotation is missing.
export const CRD_LIST_TEMPLATE =
    `{{range .items}}{{if or (eq .spec.group "${GATEWAY_API_GROUP}") (eq .spec.group "${GATEWAY_API_EXPERIMENTAL_GROUP}")}}` +
    `{{.metadata.name}}{{"\\t"}}{{with .metadata.annotations}}{{index . "${BUNDLE_VERSION_ANNOTATION}"}}{{"\\t"}}` +
    `{{index . "${CHANNEL_ANNOTATION}"}}{{else}}{{"\\t"}}{{end}}{{"\\n"}}{{end}}{{end}}`;

/** Parses the template's lines. Pure. */
export function parseCrdLines(text: string): LiveCrd[] {
    const value = (field: string | undefined): string | undefined =>
        field === undefined || field === "" || field === "<no value>" ? undefined : field;
    return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
            const [name, bundleVersion, channel] = line.split("\t");
            return { name, ...(value(bundleVersion) ? { bundleVersion: value(bundleVersion) } : {}), ...(value(channel) ? { channel: value(channel) } : {}) };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
}

function isKubeconfigContents(value: string): boolean {
    return value.includes("\n") || value.trimStart().startsWith("{") || value.includes("apiVersion:");
}

/** The default reader: kubectl against the stack's cluster. */
export function kubectlCrdReader(cluster: ClusterAccess): LiveCrdReader {
    return () => {
        let temporary: string | undefined;
        const args = ["get", "customresourcedefinitions", "-o", `go-template=${CRD_LIST_TEMPLATE}`];
        try {
            if (cluster.kubeconfig !== undefined) {
                let file = cluster.kubeconfig;
                if (isKubeconfigContents(cluster.kubeconfig)) {
                    temporary = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-kubeconfig-"));
                    file = path.join(temporary, "config");
                    fs.writeFileSync(file, cluster.kubeconfig, { mode: 0o600 });
                }
                args.push("--kubeconfig", file);
            }
            if (cluster.context !== undefined) {
                args.push("--context", cluster.context);
            }
            const output = execFileSync("kubectl", args, { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
            return parseCrdLines(output);
        } catch (error) {
            const failure = error as { code?: string; stderr?: string; message?: string };
            const reason =
                failure.code === "ENOENT"
                    ? "kubectl is not on PATH"
                    : String(failure.stderr || failure.message || error).trim().split("\n")[0];
            throw new Error(
                `cannot read the cluster's Gateway API CRDs (needed to never downgrade them): ${reason}. Fix: install ` +
                    "kubectl and check that the stack's cluster (mesh.cluster) is reachable",
            );
        } finally {
            if (temporary !== undefined) {
                fs.rmSync(temporary, { recursive: true, force: true });
            }
        }
    };
}
