/**
 * Moves the pinned Istio release, revisions, tags, chart source and image tag from one stack file to the next stage's:
 *
 *   npm run promote -- <from> <to> [--dry-run] [--force]
 *
 * Stages go dev -> staging -> prod; --force allows skipping one. The source stack's last `pulumi up` must have
 * succeeded (read with `pulumi stack history`), and the target file must still validate. See promotion/promote.ts.
 */
import * as path from "path";
import { pulumiHistoryReader } from "./promotion/history";
import { promote, PromotionRefused } from "./promotion/promote";

const USAGE = "usage: npm run promote -- <from> <to> [--dry-run] [--force]   (stacks: dev -> staging -> prod)";

function main(argv: readonly string[]): number {
    const flags = argv.filter((arg) => arg.startsWith("--"));
    const stacks = argv.filter((arg) => !arg.startsWith("--"));
    const unknown = flags.filter((flag) => flag !== "--dry-run" && flag !== "--force");
    if (stacks.length !== 2 || unknown.length > 0) {
        console.error(unknown.length > 0 ? `unknown option ${unknown.join(", ")}\n${USAGE}` : USAGE);
        return 2;
    }
    const projectDir = path.join(__dirname, "..");
    try {
        const result = promote({
            from: stacks[0],
            to: stacks[1],
            force: flags.includes("--force"),
            dryRun: flags.includes("--dry-run"),
            projectDir,
            readHistory: pulumiHistoryReader(projectDir),
        });
        console.log(result.report.join("\n"));
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
