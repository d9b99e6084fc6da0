/**
 * Cross-field rules for gateways and egress lock-down.
 */
import { ConfigIssue, duplicates } from "./issues";
import type { Sections } from "./sections";

export function gatewayIssues(sections: Sections): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const gateways = sections.gateways ?? [];
    for (const name of duplicates(gateways.map((gateway) => gateway.name))) {
        issues.push({ path: ["gateways"], given: name, message: `gateway "${name}" is listed twice. Fix: give each gateway its own name` });
    }
    gateways.forEach((gateway, index) => {
        const path = ["gateways", index];
        if (gateway.tag !== undefined && gateway.revision !== undefined) {
            issues.push({
                path: [...path, "revision"],
                given: gateway.revision,
                message: "tag and revision are mutually exclusive. Fix: keep tag to follow upgrades, or revision to pin the gateway",
            });
        }
        if (gateway.replicas !== undefined && gateway.autoscale !== undefined) {
            issues.push({
                path: [...path, "replicas"],
                given: gateway.replicas,
                message: "replicas and autoscale are mutually exclusive (the autoscaler owns the count). Fix: remove replicas",
            });
        }
        if (gateway.autoscale !== undefined && gateway.autoscale.min > gateway.autoscale.max) {
            issues.push({
                path: [...path, "autoscale", "max"],
                given: gateway.autoscale.max,
                message: `allowed: at least autoscale.min (${gateway.autoscale.min}). Fix: raise max or lower min`,
            });
        }
        const fewestPods = gateway.autoscale?.min ?? gateway.replicas ?? 1;
        if (gateway.disruptionBudget !== undefined && gateway.disruptionBudget.minAvailable >= fewestPods) {
            issues.push({
                path: [...path, "disruptionBudget", "minAvailable"],
                given: gateway.disruptionBudget.minAvailable,
                message: `a budget keeping ${gateway.disruptionBudget.minAvailable} of ${fewestPods} pod(s) blocks every node drain. Fix: run more pods or lower minAvailable`,
            });
        }
        if (gateway.kind === "egress" && gateway.hosts !== undefined) {
            issues.push({
                path: [...path, "hosts"],
                given: gateway.hosts,
                message: "hosts are served by ingress gateways. Fix: list external hosts in egress.allowedHosts instead",
            });
        }
    });

    const allowed = sections.egress?.allowedHosts ?? [];
    const egressGateways = gateways.filter((gateway) => gateway.kind === "egress").map((gateway) => gateway.name);
    const named = sections.egress?.gateway;
    if (named !== undefined && !egressGateways.includes(named)) {
        issues.push({
            path: ["egress", "gateway"],
            given: named,
            message: `allowed: an egress gateway of mesh.gateways (${egressGateways.join(", ") || "none declared"}). Fix: declare it with kind: egress`,
        });
    }
    if (allowed.length > 0 && egressGateways.length === 0) {
        issues.push({
            path: ["egress", "allowedHosts"],
            given: allowed.map((host) => host.host),
            message:
                "allowed hosts leave through an egress gateway, and none is declared. Fix: add a gateway with kind: egress " +
                "to mesh.gateways",
        });
    }
    if (allowed.length > 0 && named === undefined && egressGateways.length > 1) {
        issues.push({
            path: ["egress", "gateway"],
            message: `required with several egress gateways: the one allowed traffic leaves through. Fix: one of ${egressGateways.join(", ")}`,
        });
    }
    if (allowed.length > 0 && sections.meshConfig?.outboundTrafficPolicy !== "REGISTRY_ONLY") {
        issues.push({
            path: ["meshConfig", "outboundTrafficPolicy"],
            given: sections.meshConfig?.outboundTrafficPolicy ?? "ALLOW_ANY",
            message:
                "egress.allowedHosts locks egress down only when nothing else may leave. Fix: set " +
                "meshConfig.outboundTrafficPolicy to REGISTRY_ONLY",
        });
    }
    for (const host of duplicates(allowed.map((entry) => `${entry.host}:${entry.port ?? 443}`))) {
        issues.push({ path: ["egress", "allowedHosts"], given: host, message: `"${host}" is listed twice. Fix: keep one entry` });
    }
    return issues;
}
