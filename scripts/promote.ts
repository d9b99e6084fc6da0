/**
 * Moves the pinned Istio release, revisions, tags, chart source and image tag from one stack file to the next stage's:
 *
 *   npm run promote -- <from> <to> [--dry-run] [--force]
 *   npm run promote -- <from> <to> --check        (at deploy time: the committed pins of <to> may be deployed)
 *
 * Stages go dev -> staging -> prod. The source stack's last update must have succeeded and run exactly the pins moved
 * (its update history), `npm run verify:record` must have passed after it (its stack tag mesh:verify), no stage may
 * be skipped and no stage may get ahead of an earlier one; --force goes past these and records them in the target
 * file. The target file must still validate. See promotion/promote.ts.
 */
import * as path from "path";
import { pulumiHistoryReader } from "./promotion/history";
import { checkPromoted, promote, PromotionRefused } from "./promotion/promote";
import { pulumiTagReader } from "./promotion/verification";

const USAGE = "usage: npm run promote -- <from> <to> [--dry-run] [--force] | --check   (stacks: dev -> staging -> prod)";
const FLAGS = ["--dry-run", "--force", "--check"];

function main(argv: readonly string[]): number {
    const flags = argv.filter((arg) => arg.startsWith("--"));
    const stacks = argv.filter((arg) => !arg.startsWith("--"));
    const unknown = flags.filter((flag) => !FLAGS.includes(flag));
    const check = flags.includes("--check");
    if (stacks.length !== 2 || unknown.length > 0 || (check && flags.length > 1)) {
        console.error(unknown.length > 0 ? `unknown option ${unknown.join(", ")}\n${USAGE}` : USAGE);
        return 2;
    }
    const projectDir = path.join(__dirname, "..");
    const records = { readHistory: pulumiHistoryReader(projectDir), readTags: pulumiTagReader(projectDir) };
    try {
        const report = check
            ? checkPromoted({ from: stacks[0], to: stacks[1], projectDir, ...records })
            : promote({
                  from: stacks[0],
                  to: stacks[1],
                  force: flags.includes("--force"),
                  dryRun: flags.includes("--dry-run"),
                  projectDir,
                  ...records,
              }).report;
        console.log(report.join("\n"));
        return 0;
    } catch (error) {
        if (error instanceof PromotionRefused) {
            console.error(`Promotion refused: ${error.message}`);
            return 1;
        }
        throw error;
    }
}

process.exitCode = main(process.argv.slice(2));
