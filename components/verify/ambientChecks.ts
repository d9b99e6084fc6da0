/**
 * The verify checks of the ambient data plane and the Gateway API, as pure functions of what was read from the
 * cluster (ambientCluster.ts reads it): node agents on every node, namespaces labeled as configured, ambient pods
 * left without a sidecar, Gateways and waypoints accepted and programmed, CRDs that istiod watches.
 */
import { CrdFindings } from "../gatewayapi/crdRules";
import { CheckResult, DryRunPod } from "./checks";

export interface DaemonSetStatus {
    readonly desiredNumberScheduled: number;
    readonly numberReady: number;
    readonly updatedNumberScheduled?: number;
}

/** A node agent (ztunnel, the CNI agent) must run, ready, on every node: a node without it has no ambient traffic. */
export function readyOnEveryNode(what: string, namespace: string, daemonSet: DaemonSetStatus | undefined, nodes: number): CheckResult {
    const check = `${what} is ready on every node`;
    if (daemonSet === undefined) {
        return { check, status: "fail", detail: `no DaemonSet ${what} in ${namespace}: is it installed there?` };
    }
    const { desiredNumberScheduled: desired, numberReady: ready } = daemonSet;
    if (desired < nodes) {
        return { check, status: "fail", detail: `scheduled on ${desired} of ${nodes} nodes: a taint or node selector keeps it off the others` };
    }
    return ready >= desired
        ? { check, status: "ok", detail: `${ready}/${nodes} nodes` }
        : { check, status: "fail", detail: `${ready}/${desired} pods ready` };
}

/** The labels a namespace must carry and those it must not (an ambient namespace is never labeled for injection). */
export function namespaceLabeled(
    namespace: string,
    expected: Readonly<Record<string, string>>,
    forbidden: readonly string[],
    actual: Readonly<Record<string, string>> | undefined,
): CheckResult {
    const check = `namespace ${namespace} is labeled ${Object.entries(expected).map(([key, value]) => `${key}=${value}`).join(", ")}`;
    if (actual === undefined) {
        return { check, status: "fail", detail: "the namespace does not exist" };
    }
    const wrong = Object.entries(expected).filter(([key, value]) => actual[key] !== value);
    const extra = forbidden.filter((key) => actual[key] !== undefined);
    if (wrong.length === 0 && extra.length === 0) {
        return { check, status: "ok", detail: "as configured" };
    }
    const problems = [
        ...wrong.map(([key]) => `${key} is ${actual[key] === undefined ? "missing" : JSON.stringify(actual[key])}`),
        ...extra.map((key) => `${key}=${actual[key]} is also set (both data planes would claim its pods)`),
    ];
    return { check, status: "fail", detail: problems.join("; ") };
}

/** A dry-run pod in an ambient namespace must come back as it went in: no sidecar, no init container of Istio's. */
export function notInjected(namespace: string, pod: DryRunPod): CheckResult {
    const check = `namespace ${namespace} runs pods without a sidecar (ambient)`;
    if (pod.error !== undefined) {
        return { check, status: "fail", detail: `the dry-run pod was refused: ${pod.error.trim().split("\n")[0]}` };
    }
    const istio = [...pod.containers, ...pod.initContainers].filter((name) => ["istio-proxy", "istio-init", "istio-validation"].includes(name));
    return istio.length === 0
        ? { check, status: "ok", detail: "no istio-proxy, no istio-init: its traffic goes through ztunnel" }
        : { check, status: "fail", detail: `injected with ${istio.join(", ")}: an injection label or a webhook still selects it` };
}

export interface Condition {
    readonly type: string;
    readonly status: string;
    readonly reason?: string;
    readonly message?: string;
}

/** A Gateway (ingress or waypoint) must be Accepted and Programmed by istiod. */
export function gatewayProgrammed(what: string, namespace: string, name: string, conditions: readonly Condition[] | undefined): CheckResult {
    const check = `${what} ${namespace}/${name} is Accepted and Programmed`;
    if (conditions === undefined) {
        return { check, status: "fail", detail: "no such Gateway" };
    }
    const notTrue = ["Accepted", "Programmed"].flatMap((type) => {
        const condition = conditions.find((candidate) => candidate.type === type);
        if (condition === undefined) {
            return [`${type}: not reported (does an istiod of this revision run?)`];
        }
        return condition.status === "True" ? [] : [`${type}: ${condition.reason ?? condition.status}${condition.message ? ` (${condition.message})` : ""}`];
    });
    return notTrue.length === 0 ? { check, status: "ok", detail: "Accepted, Programmed" } : { check, status: "fail", detail: notTrue.join("; ") };
}

/** The Gateway API CRDs meet every revision's minimums (findings of crdRules for the live CRDs). */
export function crdVersionsWatched(findings: CrdFindings, versions: string): CheckResult[] {
    const check = "the Gateway API CRDs meet istiod's minimum versions";
    return [
        findings.errors.length === 0
            ? { check, status: "ok", detail: versions }
            : { check, status: "fail", detail: findings.errors.join("; ") },
        ...findings.warnings.map((warning): CheckResult => ({ check: "istiod watches every Gateway API CRD", status: "warn", detail: warning })),
    ];
}

/**
 * Cilium deletes other CNI plugins' configuration unless `cni-exclusive` is false (Istio's ambient platform
 * prerequisites); undefined config: Cilium is not installed.
 */
export function ciliumLeavesIstioCni(ciliumConfig: Readonly<Record<string, string>> | undefined): CheckResult | undefined {
    if (ciliumConfig === undefined) {
        return undefined;
    }
    const check = "Cilium keeps the Istio CNI plugin (cni.exclusive=false)";
    return ciliumConfig["cni-exclusive"] === "false"
        ? { check, status: "ok", detail: "cni-exclusive: false" }
        : {
              check,
              status: "fail",
              detail: `cni-exclusive is ${JSON.stringify(ciliumConfig["cni-exclusive"] ?? "true (Cilium's default)")}: Cilium removes Istio's CNI configuration. Fix: install Cilium with --set cni.exclusive=false`,
          };
}
