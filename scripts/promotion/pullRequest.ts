/**
 * The pull request a promotion opens: the stack file change is its commit; its description holds the promotion's
 * report (what moves, what --force went past) and the target's preview with the change, so that the reviewer sees
 * what merging deploys.
 */

/** GitHub's limit for a pull request's body. */
export const BODY_LIMIT = 65_536;

export interface PullRequestText {
    readonly title: string;
    /** The commit message: the title, a blank line, the report. */
    readonly commitMessage: string;
    readonly body: string;
}

/** The newest `-> "x.y.z"` the report moves (`mesh.istio.version: "1.30.3" -> "1.31.0"`), for the title. */
function movedVersion(report: string): string | undefined {
    return /mesh\.istio\.version: .* -> "([^"]+)"/.exec(report)?.[1];
}

/** Keeps the end of a long preview (the summary and any policy violations are last). */
function tail(text: string, limit: number): string {
    if (text.length <= limit) {
        return text;
    }
    const kept = text.slice(text.length - limit);
    return `(first ${text.length - limit} characters left out)\n${kept.slice(kept.indexOf("\n") + 1)}`;
}

export function pullRequestText(from: string, to: string, report: string, preview: string): PullRequestText {
    const version = movedVersion(report);
    const forced = /^Forced past /m.test(report);
    const title = `Promote ${from} -> ${to}${version !== undefined ? `: Istio ${version}` : ""}${forced ? " (forced)" : ""}`;
    const head = [
        `Moves ${from}'s pins into \`Pulumi.${to}.yaml\`. Merging this deploys ${to} (the Deploy workflow, after its gate).`,
        "",
        "### Promotion",
        "",
        "```",
        report.trimEnd(),
        "```",
        "",
        `### Preview of ${to} with this change (policy pack on)`,
        "",
        "```",
    ];
    const end = ["```", ""];
    const room = BODY_LIMIT - [...head, ...end].join("\n").length - 200;
    const body = [...head, tail(preview.trimEnd(), room), ...end].join("\n");
    return { title, commitMessage: `${title}\n\n${report.trimEnd()}\n`, body };
}
