/**
 * The scheduled checks' report: one section per check, findings first with their fix, in Markdown, so that the same
 * text reads in a terminal and as a GitHub job summary.
 */
import { CaReport } from "./caExpiry";
import { DriftResult } from "./drift";

export interface CheckSection {
    readonly title: string;
    readonly passed: boolean;
    /** One line: what was found. */
    readonly summary: string;
    readonly details: readonly string[];
}

export function driftSection(stack: string, drift: DriftResult, deploy: string): CheckSection {
    const title = "drift (preview --refresh --expect-no-changes)";
    if (drift.error !== undefined) {
        return { title, passed: false, summary: "the preview did not run to the end", details: ["```", drift.error, "```"] };
    }
    if (drift.changes.length === 0) {
        return { title, passed: true, summary: `the cluster runs what the stack holds: no change`, details: [] };
    }
    return {
        title,
        passed: false,
        summary: `${drift.changes.length} object(s) differ from what the stack holds`,
        details: [
            ...drift.changes.map(
                (change) =>
                    `- ${change.op} \`${change.type}\` \`${change.name}\`${change.properties.length > 0 ? `: ${change.properties.join(", ")}` : ""}`,
            ),
            "",
            `Fix: the cluster was changed outside the stack (or ${stack}'s last deploy did not finish). Keep the change by ` +
                `committing it to Pulumi.${stack}.yaml; otherwise ${deploy} puts the objects back.`,
        ],
    };
}

export function verifySection(status: number, output: string): CheckSection {
    const lines = output.trimEnd().split("\n");
    const totals = [...lines].reverse().find((line) => /\d+ ok, \d+ warning\(s\), \d+ failure\(s\)/.test(line));
    return {
        title: "verify",
        passed: status === 0,
        summary: totals ?? (status === 0 ? "passed" : `failed (exit status ${status})`),
        details: status === 0 ? [] : ["```", ...lines, "```"],
    };
}

export function caSection(ca: CaReport): CheckSection {
    return {
        title: "CA expiry and renewal window",
        passed: ca.findings.length === 0,
        summary: ca.findings.length === 0 ? (ca.lines.length > 0 ? "outside every renewal window" : "no CA in this stack") : `${ca.findings.length} finding(s)`,
        details: [
            ...ca.findings.map((finding) => `- ${finding.what}: ${finding.detail}. Fix: ${finding.fix}`),
            ...(ca.findings.length > 0 ? [""] : []),
            ...ca.lines.map((line) => `- ${line}`),
        ],
    };
}

/** The whole report. */
export function formatChecks(stack: string, sections: readonly CheckSection[]): string {
    const failed = sections.filter((section) => !section.passed);
    const lines = [
        `## Scheduled checks of stack ${stack}: ${failed.length === 0 ? "no finding" : `${failed.length} of ${sections.length} checks found something`}`,
        "",
        "| check | result | |",
        "|---|---|---|",
        ...sections.map((section) => `| ${section.title} | ${section.passed ? "ok" : "**FINDING**"} | ${section.summary} |`),
    ];
    for (const section of [...failed, ...sections.filter((section) => section.passed && section.details.length > 0)]) {
        lines.push("", `### ${section.title}`, "", ...section.details);
    }
    return lines.join("\n");
}
