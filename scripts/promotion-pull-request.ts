/**
 * Writes the title, commit message and body of a promotion's pull request (used by the Promote workflow):
 *
 *   node --require ./scripts/register-ts.js scripts/promotion-pull-request.ts <from> <to> <report file> <preview file> <out dir>
 *
 * Writes <out dir>/title.txt, commit-message.txt and body.md. See promotion/pullRequest.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { pullRequestText } from "./promotion/pullRequest";

function main(argv: readonly string[]): number {
    if (argv.length !== 5) {
        console.error("usage: scripts/promotion-pull-request.ts <from> <to> <report file> <preview file> <out dir>");
        return 2;
    }
    const [from, to, reportFile, previewFile, outDir] = argv;
    const text = pullRequestText(from, to, fs.readFileSync(reportFile, "utf8"), fs.readFileSync(previewFile, "utf8"));
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "title.txt"), `${text.title}\n`);
    fs.writeFileSync(path.join(outDir, "commit-message.txt"), text.commitMessage);
    fs.writeFileSync(path.join(outDir, "body.md"), text.body);
    return 0;
}

process.exitCode = main(process.argv.slice(2));
