/**
 * Runs `npm run verify -- <stack>` and records the result for the promotion gate (stack tag mesh:verify, naming the
 * stack's last update):
 *
 *   npm run verify:record -- <stack>
 *
 * Exits as verify does; 1 when the result could not be recorded. See promotion/recordVerify.ts.
 */
import * as path from "path";
import { pulumiHistoryReader } from "./promotion/history";
import { recordVerify, runVerifyCommand } from "./promotion/recordVerify";
import { writeVerifyRecord } from "./promotion/verification";

function main(argv: readonly string[]): number {
    if (argv.length !== 1 || argv[0].startsWith("-")) {
        console.error("usage: npm run verify:record -- <stack>");
        return 2;
    }
    const projectDir = path.join(__dirname, "..");
    const result = recordVerify({
        stack: argv[0],
        runVerify: (stack) => runVerifyCommand(projectDir, stack),
        readHistory: pulumiHistoryReader(projectDir),
        writeRecord: (stack, record) => writeVerifyRecord(projectDir, stack, record),
    });
    console.log(result.lines.join("\n"));
    return result.status;
}

process.exitCode = main(process.argv.slice(2));
