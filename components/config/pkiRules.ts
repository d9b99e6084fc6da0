/**
 * Cross-field rules for the PKI.
 */
import { ConfigIssue, duplicates } from "./issues";
import type { Sections } from "./sections";
import { DEFAULT_ROOT_NAME } from "./pkiSettings";

export function pkiIssues({ pki }: Sections): ConfigIssue[] {
    if (pki === undefined) {
        return [];
    }
    const issues: ConfigIssue[] = [];
    const algorithm = pki.keyAlgorithm ?? "ECDSA";
    if (algorithm === "ECDSA" && pki.rsaBits !== undefined) {
        issues.push({
            path: ["pki", "rsaBits"],
            given: pki.rsaBits,
            message: 'applies to RSA keys only. Fix: set pki.keyAlgorithm to "RSA", or remove pki.rsaBits',
        });
    }
    if (algorithm === "RSA" && pki.ecdsaCurve !== undefined) {
        issues.push({
            path: ["pki", "ecdsaCurve"],
            given: pki.ecdsaCurve,
            message: 'applies to ECDSA keys only. Fix: set pki.keyAlgorithm to "ECDSA", or remove pki.ecdsaCurve',
        });
    }
    const roots = pki.roots ?? [{ name: DEFAULT_ROOT_NAME }];
    for (const name of duplicates(roots.map((root) => root.name))) {
        issues.push({ path: ["pki", "roots"], given: name, message: `root "${name}" is listed twice. Fix: keep one entry` });
    }
    roots.forEach((root, index) => {
        const source = root.source ?? (root.stack !== undefined ? "stack" : "generate");
        if (source === "stack" && root.stack === undefined) {
            issues.push({
                path: ["pki", "roots", index, "stack"],
                message: "required for a root taken from another stack. Fix: e.g. stack: acme/mesh-root/prod",
            });
        }
        if (source !== "stack" && root.stack !== undefined) {
            issues.push({
                path: ["pki", "roots", index, "stack"],
                given: root.stack,
                message: `read only when source is "stack". Fix: set source: stack, or remove stack`,
            });
        }
    });
    if (pki.signingRoot !== undefined && !roots.some((root) => root.name === pki.signingRoot)) {
        issues.push({
            path: ["pki", "signingRoot"],
            given: pki.signingRoot,
            message: `allowed: a root of pki.roots (${roots.map((root) => root.name).join(", ")}). Fix: name one of those`,
        });
    }
    if (pki.signingRoot === undefined && roots.length > 1) {
        issues.push({
            path: ["pki", "signingRoot"],
            message:
                `required with several roots: the one that signs this cluster's intermediate. Fix: set pki.signingRoot ` +
                `to one of ${roots.map((root) => root.name).join(", ")}`,
        });
    }
    const validity = pki.intermediateValidityDays ?? 365;
    const renewBefore = pki.intermediateRenewBeforeDays ?? 30;
    if (renewBefore >= validity) {
        issues.push({
            path: ["pki", "intermediateRenewBeforeDays"],
            given: renewBefore,
            message: `allowed: fewer days than pki.intermediateValidityDays (${validity}), or every up would re-issue it. Fix: e.g. ${Math.max(1, Math.floor(validity / 12))}`,
        });
    }
    return issues;
}
