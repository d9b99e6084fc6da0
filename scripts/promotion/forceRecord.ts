/**
 * The record of a forced promotion, kept in the target's stack file as a closing comment, so that it is reviewed
 * with the change, stays in version control with it, and explains an order the environments otherwise never have:
 *
 *   # Forced promotion dev -> prod on 2026-01-12 (npm run promote -- --force), past these checks:
 *   #   - dev -> prod skips staging, where the change has not been proven. ...
 *
 * The next promotion into that stack that needs no force removes it; the version history keeps it.
 */
import { Document, parseDocument } from "yaml";

const MARKER = "Forced promotion ";
const RECORD_PATTERN = /^ ?Forced promotion (\S+) -> (\S+) on (\S+)/;

export interface ForceRecord {
    readonly from: string;
    readonly to: string;
    /** The day of the promotion, YYYY-MM-DD. */
    readonly on: string;
    /** The checks the promotion went past. */
    readonly findings: readonly string[];
}

/** The trailing comment without a record of ours, and the record's lines. */
function split(comment: string | null | undefined): { other: string; record: string | undefined } {
    const lines = (comment ?? "").split("\n");
    const start = lines.findIndex((line) => RECORD_PATTERN.test(line));
    if (start < 0) {
        return { other: comment ?? "", record: undefined };
    }
    let end = start + 1;
    while (end < lines.length && /^ {3}- /.test(lines[end])) {
        end++;
    }
    const other = [...lines.slice(0, start), ...lines.slice(end)].join("\n").replace(/^\n+|\n+$/g, "");
    return { other, record: lines.slice(start, end).join("\n") };
}

/** The forced-promotion record of a stack file's document, or undefined when it has none. */
export function forceRecordOf(document: Document): ForceRecord | undefined {
    const { record } = split(document.comment);
    if (record === undefined) {
        return undefined;
    }
    const [first, ...rest] = record.split("\n");
    const match = RECORD_PATTERN.exec(first)!;
    return { from: match[1], to: match[2], on: match[3], findings: rest.map((line) => line.replace(/^ {3}- /, "")) };
}

/** The same, from a stack file's text. */
export function forceRecordOfText(text: string): ForceRecord | undefined {
    return forceRecordOf(parseDocument(text));
}

/** Writes the record into the document, replacing an earlier one; other closing comments stay. */
export function setForceRecord(document: Document, record: ForceRecord): void {
    const { other } = split(document.comment);
    const lines = [
        ` ${MARKER}${record.from} -> ${record.to} on ${record.on} (npm run promote -- --force), past these checks:`,
        ...record.findings.map((finding) => `   - ${finding.replace(/\s*\n\s*/g, " ")}`),
    ];
    document.comment = [other, lines.join("\n")].filter((part) => part !== "").join("\n\n");
}

/** Removes the record, if any; returns whether there was one. */
export function clearForceRecord(document: Document): boolean {
    const { other, record } = split(document.comment);
    if (record === undefined) {
        return false;
    }
    document.comment = other === "" ? null : other;
    return true;
}
