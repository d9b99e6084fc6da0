/**
 * Cross-field rules for traffic interception.
 */
import { ConfigIssue } from "./issues";
import type { Sections } from "./sections";

export function interceptionIssues(sections: Sections): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const mode = sections.interception?.mode ?? "init";
    if (mode === "init" && sections.interception?.cni !== undefined) {
        issues.push({
            path: ["interception", "cni"],
            given: sections.interception.cni,
            message: 'read only in CNI mode. Fix: set interception.mode to "cni", or remove interception.cni',
        });
    }
    if (mode === "init") {
        (sections.namespaces ?? []).forEach((namespace, index) => {
            if (namespace.podSecurity === "restricted") {
                issues.push({
                    path: ["namespaces", index, "podSecurity"],
                    given: namespace.podSecurity,
                    message:
                        `namespace "${namespace.name}" enforces the restricted Pod Security Standard, which rejects the ` +
                        "istio-init container (it needs NET_ADMIN and NET_RAW), so no injected pod would start there. " +
                        'Fix: set interception.mode to "cni" (pods then need no extra capability)',
                });
            }
        });
    }
    return issues;
}
