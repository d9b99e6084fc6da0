/**
 * The CA against its renewal window, from the stack's outputs: the intermediate is re-issued by the first `up` within
 * `pki.intermediateRenewBeforeDays` of its expiry, so a stack inside that window needs that up (one reviewed deploy);
 * a root is rotated by hand (README, "CA rotation") and is reported as verify warns, EXPIRY_WARNING_DAYS ahead.
 */
import { X509Certificate } from "crypto";
import { EXPIRY_WARNING_DAYS } from "../../components/verify/checks";
import { certificatesIn } from "../../components/verify/x509";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The stack outputs read here (`pulumi stack output --json`); secret outputs print as "[secret]". */
export interface CaOutputs {
    readonly intermediateExpiresAt?: unknown;
    readonly trustedRootsPem?: unknown;
}

export interface CaFinding {
    readonly what: string;
    readonly detail: string;
    readonly fix: string;
}

export interface CaReport {
    readonly findings: readonly CaFinding[];
    /** One line per certificate that was checked, findings or not. */
    readonly lines: readonly string[];
}

function day(date: Date): string {
    return date.toISOString().slice(0, 10);
}

function daysBetween(from: Date, to: Date): number {
    return Math.floor((to.getTime() - from.getTime()) / DAY_MS);
}

/**
 * How a stack's intermediate is renewed: by its own up, or, for a cluster whose intermediate a CA stack issues
 * (`pki.caStack`), by the CA stack's up (which re-issues it) followed by the cluster's (which writes it to `cacerts`).
 */
export function renewalDeploy(deploy: string, caStack: string | undefined): string {
    return caStack === undefined ? deploy : `an up of the CA stack ${caStack}, which re-issues the intermediate, then ${deploy}`;
}

/**
 * The findings for a stack's CA at `now`. A stack without the CA outputs (pki.enabled false) has nothing to check.
 * `deploy` names how the stack is updated, for the fix.
 */
export function caExpiryReport(outputs: CaOutputs, renewBeforeDays: number, now: Date, deploy: string): CaReport {
    const findings: CaFinding[] = [];
    const lines: string[] = [];
    if (typeof outputs.intermediateExpiresAt === "string") {
        const expires = new Date(outputs.intermediateExpiresAt);
        const renewFrom = new Date(expires.getTime() - renewBeforeDays * DAY_MS);
        const left = daysBetween(now, expires);
        if (Number.isNaN(expires.getTime())) {
            findings.push({ what: "intermediate CA", detail: `intermediateExpiresAt is not a date: ${outputs.intermediateExpiresAt}`, fix: deploy });
            return { findings, lines };
        }
        lines.push(`intermediate CA: expires ${day(expires)} (in ${left} days); renewal window (${renewBeforeDays} days) opens ${day(renewFrom)}`);
        if (expires <= now) {
            findings.push({ what: "intermediate CA", detail: `expired on ${day(expires)}: workloads get no new certificates`, fix: `${deploy} now` });
        } else if (renewFrom <= now) {
            findings.push({
                what: "intermediate CA",
                detail: `expires on ${day(expires)}, in ${left} days: inside its ${renewBeforeDays}-day renewal window (since ${day(renewFrom)})`,
                fix: `${deploy}: its preview shows the intermediate re-issued and the cacerts Secret updated, nothing else`,
            });
        }
    }
    if (typeof outputs.trustedRootsPem === "string") {
        for (const root of certificatesIn(outputs.trustedRootsPem)) {
            lines.push(...rootLines(root, now, findings));
        }
    }
    return { findings, lines };
}

function rootLines(root: X509Certificate, now: Date, findings: CaFinding[]): string[] {
    const expires = new Date(root.validTo);
    const left = daysBetween(now, expires);
    const what = `root CA ${root.subject.replace(/\n/g, ", ")}`;
    if (left < EXPIRY_WARNING_DAYS) {
        findings.push({
            what,
            detail: left < 0 ? `expired on ${day(expires)}` : `expires on ${day(expires)}, in ${left} days (warning from ${EXPIRY_WARNING_DAYS} days)`,
            fix: "rotate it with the root rotation runbook (README, \"CA rotation\"): add the new root, switch, remove the old one",
        });
    }
    return [`${what}: expires ${day(expires)} (in ${left} days)`];
}
