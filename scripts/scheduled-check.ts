/**
 * The checks that run between changes, on one stack against its cluster (the scheduled workflow runs them daily):
 *
 *   npm run check -- <stack> [--only drift,verify,ca]
 *
 * - drift: `pulumi preview --refresh --expect-no-changes`; an object edited or deleted outside the stack is a finding,
 *   named with the properties that differ;
 * - verify: `npm run verify -- <stack>`, recorded for the promotion gate (npm run verify:record);
 * - CA: the intermediate's expiry against its renewal window, the roots' against verify's warning.
 *
 * Prints a Markdown report (also appended to $GITHUB_STEP_SUMMARY when set) and exits 1 when any check found
 * something, 2 on a wrong call.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseMeshConfig } from "../components/config/load";
import { caExpiryReport, CaOutputs, renewalDeploy } from "./checks/caExpiry";
import { runDriftPreview } from "./checks/drift";
import { caSection, CheckSection, driftSection, formatChecks, verifySection } from "./checks/report";
import { pulumiHistoryReader } from "./promotion/history";
import { failureReason, runPulumi } from "./promotion/pulumiCli";
import { recordVerify, runVerifyCommand } from "./promotion/recordVerify";
import { writeVerifyRecord } from "./promotion/verification";

const CHECKS = ["drift", "verify", "ca"] as const;
type Check = (typeof CHECKS)[number];
const USAGE = `usage: npm run check -- <stack> [--only ${CHECKS.join(",")}]`;

function parseArgs(argv: readonly string[]): { stack: string; only: Check[] } | undefined {
    const [stack, ...rest] = argv;
    if (stack === undefined || stack.startsWith("-")) {
        return undefined;
    }
    if (rest.length === 0) {
        return { stack, only: [...CHECKS] };
    }
    const only = rest.length === 2 && rest[0] === "--only" ? rest[1].split(",") : undefined;
    if (only === undefined || only.length === 0 || !only.every((check) => (CHECKS as readonly string[]).includes(check))) {
        return undefined;
    }
    return { stack, only: only as Check[] };
}

function caCheck(projectDir: string, stack: string, deploy: string): CheckSection {
    try {
        const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
        const settings = parseMeshConfig((parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> }).config?.["istio-mesh:mesh"], {}, stack);
        const outputs = JSON.parse(runPulumi(projectDir, ["stack", "output", "--json", "--stack", stack])) as CaOutputs;
        return caSection(caExpiryReport(outputs, settings.pki.intermediateRenewBeforeDays, new Date(), renewalDeploy(deploy, settings.pki.caStack)));
    } catch (error) {
        return { title: "CA expiry and renewal window", passed: false, summary: "could not be read", details: [failureReason(error)] };
    }
}

function main(argv: readonly string[]): number {
    const args = parseArgs(argv);
    if (args === undefined) {
        console.error(USAGE);
        return 2;
    }
    const { stack, only } = args;
    const projectDir = path.join(__dirname, "..");
    const deploy = `one reviewed up (the Deploy workflow for ${stack}, or STACK=${stack} PULUMI_K8S_ENABLE_PATCH_FORCE=true npm run up -- --refresh)`;
    const sections: CheckSection[] = [];
    if (only.includes("drift")) {
        const drift = runDriftPreview(["bash", "scripts/pulumi.sh", "preview"], projectDir, { ...process.env, STACK: stack });
        sections.push(driftSection(stack, drift, deploy));
    }
    if (only.includes("verify")) {
        const result = recordVerify({
            stack,
            runVerify: (name) => runVerifyCommand(projectDir, name),
            readHistory: pulumiHistoryReader(projectDir),
            writeRecord: (name, record) => writeVerifyRecord(projectDir, name, record),
        });
        sections.push(verifySection(result.status, result.lines.join("\n")));
    }
    if (only.includes("ca")) {
        sections.push(caCheck(projectDir, stack, deploy));
    }
    const report = formatChecks(stack, sections);
    console.log(report);
    const summary = process.env.GITHUB_STEP_SUMMARY;
    if (summary !== undefined && summary !== "") {
        fs.appendFileSync(summary, `${report}\n`);
    }
    return sections.every((section) => section.passed) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
