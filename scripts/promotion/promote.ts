/**
 * A promotion: the pinned Istio release, revisions, tags, chart source and image tag of one stack file, moved into the
 * next stage's stack file after the checks that make it safe, and the same checks at deploy time (`checkPromoted`).
 * The file system is real; the stacks' records (history, tags) are injected.
 */
import * as fs from "fs";
import * as path from "path";
import { Document, parseDocument } from "yaml";
import { MeshConfigError } from "../../components/config/issues";
import { parseMeshConfig } from "../../components/config/load";
import { clearForceRecord, forceRecordOf, setForceRecord } from "./forceRecord";
import { ranPins, sourceFindings, StackRecords } from "./gate";
import { describeUpdate } from "./history";
import { orderViolations } from "./order";
import { formatChanges, meshConfigOf, movePins, PinChange, pinDifferences, pinsOf } from "./pins";
import { isStage, routeRefusal, skipFinding, Stage, STAGES } from "./stages";

export interface PromotionRequest extends StackRecords {
    readonly from: string;
    readonly to: string;
    /** Go past the gate's findings (a skipped stage, pins the source did not run, no passing verify, the order). */
    readonly force?: boolean;
    /** Print what would change; write nothing. */
    readonly dryRun?: boolean;
    /** The folder of the stack files (the project root). */
    readonly projectDir: string;
    /** The clock of the force record; injected by tests. */
    readonly now?: () => Date;
}

export interface PromotionResult {
    readonly targetFile: string;
    readonly changes: readonly PinChange[];
    readonly written: boolean;
    /** The gate's findings that --force went past (empty without them); they are recorded in the target file. */
    readonly forced: readonly string[];
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

function readStackFile(projectDir: string, stack: string): { file: string; document: Document } {
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

function meshOf(document: Document, file: string): Record<string, unknown> {
    try {
        return meshConfigOf(document, path.basename(file));
    } catch (error) {
        throw new PromotionRefused(error instanceof Error ? error.message : String(error));
    }
}

/** The order findings that involve `stack` once its mesh configuration is `mesh`; the other stack files as they are. */
function orderFindings(projectDir: string, stack: Stage, mesh: unknown): string[] {
    const meshes: Partial<Record<Stage, unknown>> = {};
    for (const stage of STAGES) {
        const file = stackFile(projectDir, stage);
        if (stage === stack) {
            meshes[stage] = mesh;
        } else if (fs.existsSync(file)) {
            meshes[stage] = meshConfigOf(parseDocument(fs.readFileSync(file, "utf8")), path.basename(file));
        }
    }
    return orderViolations(meshes)
        .filter((violation) => violation.earlier === stack || violation.later === stack)
        .map((violation) => violation.message);
}

function refusal(from: string, to: string, findings: readonly string[], targetName: string): PromotionRefused {
    return new PromotionRefused(
        [
            `${from} -> ${to} (${findings.length} finding${findings.length === 1 ? "" : "s"}); ${targetName} was left as it is:`,
            ...findings.map((finding) => `  - ${finding}`),
            `To promote anyway, pass --force: the findings are then recorded in ${targetName}.`,
        ].join("\n"),
    );
}

function routeOf(from: string, to: string): { from: Stage; to: Stage } {
    const route = routeRefusal(from, to);
    if (route !== undefined || !isStage(from) || !isStage(to)) {
        throw new PromotionRefused(route ?? `unknown stack in ${from} -> ${to}`);
    }
    return { from, to };
}

/** Runs the checks, moves the pins and writes the target file (unless a dry run). Throws PromotionRefused. */
export function promote(request: PromotionRequest): PromotionResult {
    const { from, to } = routeOf(request.from, request.to);
    const source = readStackFile(request.projectDir, from);
    const target = readStackFile(request.projectDir, to);
    const targetName = path.basename(target.file);
    const sourcePins = pinsOf(meshOf(source.document, source.file));
    meshOf(target.document, target.file);

    const findings: string[] = [];
    const skip = skipFinding(from, to);
    if (skip !== undefined) {
        findings.push(skip);
    }
    findings.push(...sourceFindings(from, sourcePins, `${from}'s stack file`, request));

    const changes = movePins(source.document, target.document);
    const heading = `Promotion ${from} -> ${to} (${targetName}):`;
    if (changes.length === 0) {
        return {
            targetFile: target.file,
            changes,
            written: false,
            forced: [],
            report: [heading, `  nothing to move: ${to} already pins ${from}'s pins`],
        };
    }
    const movedMesh = meshOf(target.document, target.file);
    findings.push(...orderFindings(request.projectDir, to, movedMesh));
    if (findings.length > 0 && request.force !== true) {
        throw refusal(from, to, findings, targetName);
    }
    try {
        parseMeshConfig(movedMesh, {}, to);
    } catch (error) {
        if (error instanceof MeshConfigError) {
            throw new PromotionRefused(
                `${targetName} would not validate after the promotion, so it was left as it is:\n${formatChanges(changes).join("\n")}\n${error.message}`,
            );
        }
        throw error;
    }

    const report = [heading, ...formatChanges(changes)];
    if (findings.length > 0) {
        const on = (request.now ?? (() => new Date()))().toISOString().slice(0, 10);
        setForceRecord(target.document, { from, to, on, findings });
        report.push(`Forced past ${findings.length} finding${findings.length === 1 ? "" : "s"}, recorded in ${targetName}:`, ...findings.map((finding) => `  - ${finding}`));
    } else if (clearForceRecord(target.document)) {
        report.push(`The record of an earlier forced promotion was removed from ${targetName}.`);
    }
    if (request.dryRun) {
        return { targetFile: target.file, changes, written: false, forced: findings, report: [...report, `Dry run: ${targetName} was not written.`] };
    }
    fs.writeFileSync(target.file, target.document.toString({ lineWidth: 0 }));
    return {
        targetFile: target.file,
        changes,
        written: true,
        forced: findings,
        report: [...report, `Wrote ${targetName}; review and commit it: merging it deploys ${to}.`],
    };
}

export interface CheckRequest extends StackRecords {
    readonly from: string;
    readonly to: string;
    readonly projectDir: string;
}

/**
 * The gate at deploy time, before `to` is updated from its committed stack file: either its pins are what `to`'s last
 * update ran (nothing is promoted), or they are exactly what `from`'s last update ran with verify passing after it,
 * in order; or the file records a forced promotion. Returns the report; throws PromotionRefused.
 */
export function checkPromoted(request: CheckRequest): string[] {
    const { from, to } = routeOf(request.from, request.to);
    const target = readStackFile(request.projectDir, to);
    const targetName = path.basename(target.file);
    const targetMesh = meshOf(target.document, target.file);
    const targetPins = pinsOf(targetMesh);
    const heading = `Gate ${from} -> ${to} (${targetName}):`;

    const targetRan = ranPins(to, request);
    if (targetRan.pins !== undefined && pinDifferences(targetPins, targetRan.pins).length === 0) {
        return [heading, `  ${to}'s pins are what ${describeUpdate(to, targetRan.update!)} ran: nothing is promoted`];
    }
    const record = forceRecordOf(target.document);
    if (record !== undefined) {
        return [
            heading,
            `  ${targetName} records a forced promotion ${record.from} -> ${record.to} on ${record.on}, past these checks:`,
            ...record.findings.map((finding) => `    - ${finding}`),
        ];
    }
    const findings = [...sourceFindings(from, targetPins, `${targetName}`, request), ...orderFindings(request.projectDir, to, targetMesh)];
    if (findings.length > 0) {
        throw new PromotionRefused(
            [
                `${targetName} changes ${to}'s pins, and they are not what ${from} ran and verified (${findings.length} finding${findings.length === 1 ? "" : "s"}):`,
                ...findings.map((finding) => `  - ${finding}`),
                `Fix: promote again (npm run promote -- ${from} ${to}) from what ${from} runs now`,
            ].join("\n"),
        );
    }
    const sourceRan = ranPins(from, request);
    return [heading, `  ${to}'s pins are exactly what ${describeUpdate(from, sourceRan.update!)} ran, and verify passed after it`];
}
