/**
 * The gate on what ran: pins may leave a stack only when that stack's last update succeeded, ran exactly those pins
 * (as its history records them), and `npm run verify` passed after it (as its verify record says). Each finding
 * names what differs and how to fix it; --force goes past findings and records them.
 */
import { describeUpdate, HistoryEntry, HistoryReader, lastUpdate, meshConfigRan } from "./history";
import { pinDifferences, pinsOf, showPin } from "./pins";
import { failureReason } from "./pulumiCli";
import { TagReader, verifyRecordOf, verifyRefusal } from "./verification";

/** Where a stack's records are read: its update history and its tags, both in the state backend. */
export interface StackRecords {
    readonly readHistory: HistoryReader;
    readonly readTags: TagReader;
}

/** What a stack's records prove it ran: the last update and its pins, or the findings that prevent saying so. */
export interface RanPins {
    readonly update?: HistoryEntry;
    readonly pins?: Map<string, unknown>;
    readonly findings: string[];
}

function read<T>(what: string, stack: string, reader: (stack: string) => T): { value?: T; finding?: string } {
    try {
        return { value: reader(stack) };
    } catch (error) {
        return {
            finding:
                `could not read the ${what} of stack ${stack} (${failureReason(error)}). ` +
                "Fix: install the Pulumi CLI and log in to the stack's backend (PULUMI_BACKEND_URL)",
        };
    }
}

/** The pins that `stack`'s last successful update ran, from its history. */
export function ranPins(stack: string, records: StackRecords): RanPins {
    const history = read("update history", stack, records.readHistory);
    if (history.finding !== undefined) {
        return { findings: [history.finding] };
    }
    const last = lastUpdate(stack, history.value);
    if (last.refusal !== undefined) {
        return { findings: [last.refusal] };
    }
    const mesh = meshConfigRan(last.entry);
    if (mesh === undefined) {
        return {
            update: last.entry,
            findings: [
                `${describeUpdate(stack, last.entry)} does not record the mesh configuration it ran (no readable ` +
                    "config.istio-mesh:mesh in pulumi stack history --json), so its pins cannot be compared. " +
                    `Fix: run pulumi up on ${stack} with a current Pulumi CLI`,
            ],
        };
    }
    return { update: last.entry, pins: pinsOf(mesh), findings: [] };
}

/**
 * Findings against promoting `pins` out of `stack`: its last update must have succeeded and run exactly `pins`, and
 * verify must have passed after it. `pinsFrom` says where the pins come from, for the message.
 */
export function sourceFindings(stack: string, pins: ReadonlyMap<string, unknown>, pinsFrom: string, records: StackRecords): string[] {
    const ran = ranPins(stack, records);
    if (ran.pins === undefined) {
        return ran.findings;
    }
    const update = describeUpdate(stack, ran.update!);
    const findings = pinDifferences(pins, ran.pins).map(
        (difference) =>
            `${difference.key}: ${update} ran ${showPin(difference.actual)}, ${pinsFrom} pins ${showPin(difference.expected)}. ` +
            `Fix: run pulumi up on ${stack} (and verify it) with these pins before promoting them`,
    );
    const tags = read("tags", stack, records.readTags);
    const verifyProblem = tags.finding ?? verifyRefusal(stack, ran.update!, verifyRecordOf(tags.value));
    return verifyProblem === undefined ? findings : [...findings, verifyProblem];
}
