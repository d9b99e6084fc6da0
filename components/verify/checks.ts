/**
 * The checks of `npm run verify`, as pure functions of what was read from the cluster: each returns results that a
 * report prints. Reading the cluster is cluster.ts's job.
 */
import { X509Certificate } from "crypto";
import { basicConstraints, certificatesIn, keyUsage } from "./x509";

export type Status = "ok" | "warn" | "fail";

export interface CheckResult {
    readonly check: string;
    readonly status: Status;
    readonly detail: string;
}

/** Warn when the CA expires within this many days: time for the rotation runbook, before it is urgent. */
export const EXPIRY_WARNING_DAYS = 60;

export interface DeploymentStatus {
    readonly name: string;
    readonly replicas: number;
    readonly readyReplicas: number;
}

export function istiodReady(revision: string, deployment: DeploymentStatus | undefined): CheckResult {
    const check = `istiod ${revision} is ready`;
    if (deployment === undefined) {
        return { check, status: "fail", detail: `no Deployment istiod-${revision}: is the revision installed?` };
    }
    return deployment.readyReplicas >= deployment.replicas && deployment.replicas > 0
        ? { check, status: "ok", detail: `${deployment.readyReplicas}/${deployment.replicas} pods ready` }
        : { check, status: "fail", detail: `${deployment.readyReplicas}/${deployment.replicas} pods ready` };
}

/** The outcome of creating an invalid Istio resource with a server-side dry run. */
export type DryRunOutcome = { readonly created: true } | { readonly created: false; readonly message: string };

export function validationAnswers(outcome: DryRunOutcome): CheckResult {
    const check = "the validation webhook answers";
    if (outcome.created) {
        return { check, status: "fail", detail: "an invalid Istio resource was admitted: validation is not enforced (failure policy Ignore with istiod unreachable?)" };
    }
    if (/failed calling webhook|context deadline exceeded|connection refused|no endpoints available|timeout/i.test(outcome.message)) {
        return { check, status: "fail", detail: `the API server cannot reach istiod's webhook: ${firstLine(outcome.message)}` };
    }
    if (/admission webhook ".*validation\.istio\.io" denied/.test(outcome.message)) {
        return { check, status: "ok", detail: "an invalid resource was rejected by istiod" };
    }
    return { check, status: "fail", detail: `unexpected answer: ${firstLine(outcome.message)}` };
}

export interface DryRunPod {
    readonly containers: readonly string[];
    /** Every init container, in order, sidecars included. */
    readonly initContainers: readonly string[];
    /**
     * The init containers with `restartPolicy: Always`: Kubernetes' native sidecars, which keep running next to the
     * app. istiod injects istio-proxy as one when every kubelet is 1.33 or later (ENABLE_NATIVE_SIDECARS=auto).
     */
    readonly sidecars: readonly string[];
    /** The `sidecar.istio.io/status` annotation istiod writes on injection. */
    readonly injectionStatus?: string;
    readonly error?: string;
}

/** A pod created with a server-side dry run in an enrolled namespace must come back injected by the right revision. */
export function injectedBy(namespace: string, revision: string, interception: "init" | "cni", pod: DryRunPod): CheckResult {
    const check = `namespace ${namespace} is injected by ${revision}`;
    if (pod.error !== undefined) {
        return { check, status: "fail", detail: `the dry-run pod was refused: ${firstLine(pod.error)}` };
    }
    const nativeSidecar = pod.sidecars.includes("istio-proxy");
    if (!pod.containers.includes("istio-proxy") && !nativeSidecar) {
        return pod.initContainers.includes("istio-proxy")
            ? { check, status: "fail", detail: "istio-proxy is an init container without restartPolicy Always: the pod would never start" }
            : { check, status: "fail", detail: "no istio-proxy container: the namespace is not enrolled, or no injector matched it" };
    }
    const status = parseStatus(pod.injectionStatus);
    if (status.revision !== revision) {
        return { check, status: "fail", detail: `injected by revision ${status.revision ?? "unknown"}, expected ${revision}` };
    }
    const expectedInit = interception === "cni" ? "istio-validation" : "istio-init";
    if (!pod.initContainers.includes(expectedInit)) {
        return { check, status: "fail", detail: `init containers ${JSON.stringify(pod.initContainers)}: expected ${expectedInit} (${interception} interception)` };
    }
    return { check, status: "ok", detail: `istio-proxy${nativeSidecar ? " (native sidecar)" : ""} and ${expectedInit} added` };
}

function parseStatus(text: string | undefined): { revision?: string } {
    try {
        return text === undefined ? {} : (JSON.parse(text) as { revision?: string });
    } catch {
        return {};
    }
}

/** The cacerts Secret's chain: the intermediate a pathlen-0 CA signed by a trusted root, none close to expiry. */
export function caChain(files: Readonly<Record<string, string>> | undefined, now: Date): CheckResult[] {
    if (files === undefined) {
        return [{ check: "the plug-in CA", status: "warn", detail: "no cacerts Secret: istiod signs with its own self-signed CA" }];
    }
    const missing = ["ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem"].filter((key) => files[key] === undefined);
    if (missing.length > 0) {
        return [{ check: "the plug-in CA", status: "fail", detail: `cacerts lacks ${missing.join(", ")}` }];
    }
    const [intermediate] = certificatesIn(files["ca-cert.pem"]);
    const roots = certificatesIn(files["root-cert.pem"]);
    const results: CheckResult[] = [];
    const constraints = intermediate === undefined ? undefined : basicConstraints(intermediate);
    const usages = intermediate === undefined ? undefined : keyUsage(intermediate);
    const signer = roots.find((root) => intermediate !== undefined && intermediate.checkIssued(root) && intermediate.verify(root.publicKey));
    results.push(
        constraints?.ca === true && constraints.pathLength === 0 && usages?.usages.includes("keyCertSign")
            ? { check: "the intermediate is a CA for workloads only", status: "ok", detail: "CA:TRUE, pathlen:0, keyCertSign" }
            : { check: "the intermediate is a CA for workloads only", status: "fail", detail: `basicConstraints ${JSON.stringify(constraints)}, keyUsage ${JSON.stringify(usages?.usages)}` },
    );
    results.push(
        signer !== undefined
            ? { check: "the intermediate chains to a trusted root", status: "ok", detail: signer.subject.replace(/\n/g, ", ") }
            : { check: "the intermediate chains to a trusted root", status: "fail", detail: "no root in root-cert.pem signed ca-cert.pem" },
    );
    for (const [what, certificate] of [["intermediate", intermediate], ...roots.map((root) => ["root", root] as const)] as const) {
        if (certificate !== undefined) {
            results.push(expiry(what, certificate, now));
        }
    }
    return results;
}

function expiry(what: string, certificate: X509Certificate, now: Date): CheckResult {
    const days = Math.floor((new Date(certificate.validTo).getTime() - now.getTime()) / 86_400_000);
    const check = `the ${what} CA is valid (${certificate.subject.split("\n").find((line) => line.startsWith("CN=")) ?? ""})`;
    if (days < 0) {
        return { check, status: "fail", detail: `expired ${-days} day(s) ago` };
    }
    if (days < EXPIRY_WARNING_DAYS) {
        return { check, status: "warn", detail: `expires in ${days} day(s), on ${certificate.validTo}: run the CA rotation runbook` };
    }
    return { check, status: "ok", detail: `expires in ${days} days` };
}

function firstLine(text: string): string {
    return text.trim().split("\n")[0];
}

const MARK: Record<Status, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL" };

export function formatReport(results: readonly CheckResult[]): string {
    const lines = results.map((result) => `${MARK[result.status]}  ${result.check}: ${result.detail}`);
    const failed = results.filter((result) => result.status === "fail").length;
    const warned = results.filter((result) => result.status === "warn").length;
    return [...lines, "", `${results.length - failed - warned} ok, ${warned} warning(s), ${failed} failure(s)`].join("\n");
}
