/**
 * A promotion: the pinned Istio release, revisions, tags, chart source and image tag of one stack file, moved into the
 * next stage's stack file after the checks that make it safe. The file system is real; the history is injected.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { MeshConfigError } from "../../components/config/issues";
import { parseMeshConfig } from "../../components/config/load";
import { HistoryReader, lastUpdateRefusal } from "./history";
import { formatChanges, meshConfigOf, movePins, PinChange } from "./pins";
import { routeRefusal } from "./stages";

export interface PromotionRequest {
    readonly from: string;
    readonly to: string;
    /** Allow skipping a stage (dev -> prod). */
    readonly force?: boolean;
    /** Print what would change; write nothing. */
    readonly dryRun?: boolean;
    /** The folder of the stack files (the project root). */
    readonly projectDir: string;
    readonly readHistory: HistoryReader;
}

export interface PromotionResult {
    readonly targetFile: string;
    readonly changes: readonly PinChange[];
    readonly written: boolean;
    /** What the command prints. */
    readonly report: readonly string[];
}

/** A promotion that did not happen; the message says why and how to fix it. Nothing was written. */
export class PromotionRefused extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PromotionRefused";
        this.stack = `${this.name}: ${message}`;
    }
}

export function stackFile(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

function readStackFile(projectDir: string, stack: string) {
    const file = stackFile(projectDir, stack);
    if (!fs.existsSync(file)) {
        throw new PromotionRefused(`${path.basename(file)} does not exist. Fix: create the ${stack} stack's file first`);
    }
    const document = parseDocument(fs.readFileSync(file, "utf8"));
    if (document.errors.length > 0) {
        throw new PromotionRefused(`${path.basename(file)} is not valid YAML: ${document.errors[0].message}`);
    }
    return { file, document };
}

function readHistory(request: PromotionRequest): unknown {
    try {
        return request.readHistory(request.from);
    } catch (error) {
        const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new PromotionRefused(
            `could not read the update history of stack ${request.from} (${reason}). ` +
                "Fix: install the Pulumi CLI and log in to the stack's backend (PULUMI_BACKEND_URL)",
        );
    }
}

/** Runs the checks, moves the pins and writes the target file (unless a dry run). Throws PromotionRefused. */
export function promote(request: PromotionRequest): PromotionResult {
    const { from, to } = request;
    const route = routeRefusal(from, to, request.force ?? false);
    if (route !== undefined) {
        throw new PromotionRefused(route);
    }
    const historyProblem = lastUpdateRefusal(from, readHistory(request));
    if (historyProblem !== undefined) {
        throw new PromotionRefused(historyProblem);
    }

    const source = readStackFile(request.projectDir, from);
    const target = readStackFile(request.projectDir, to);
    const targetName = path.basename(target.file);
    let changes: PinChange[];
    try {
        meshConfigOf(source.document, path.basename(source.file));
        meshConfigOf(target.document, targetName);
        changes = movePins(source.document, target.document);
    } catch (error) {
        throw new PromotionRefused(error instanceof Error ? error.message : String(error));
    }

    const heading = `Promotion ${from} -> ${to} (${targetName}):`;
    if (changes.length === 0) {
        return { targetFile: target.file, changes, written: false, report: [heading, `  nothing to move: ${to} already runs ${from}'s pins`] };
    }
    try {
        parseMeshConfig(meshConfigOf(target.document, targetName), {}, to);
    } catch (error) {
        if (error instanceof MeshConfigError) {
            throw new PromotionRefused(
                `${targetName} would not validate after the promotion, so it was left as it is:\n${formatChanges(changes).join("\n")}\n${error.message}`,
            );
        }
        throw error;
    }

    const report = [heading, ...formatChanges(changes)];
    if (request.dryRun) {
        return { targetFile: target.file, changes, written: false, report: [...report, `Dry run: ${targetName} was not written.`] };
    }
    fs.writeFileSync(target.file, target.document.toString({ lineWidth: 0 }));
    return {
        targetFile: target.file,
        changes,
        written: true,
        report: [...report, `Wrote ${targetName}; review and commit it, then run pulumi up on ${to}.`],
    };
}
