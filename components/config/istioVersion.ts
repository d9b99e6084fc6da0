/**
 * Istio release versions: parsing, Istio's support calendar for the lines this project installs, and the revision
 * name derived from a version.
 */

/**
 * Istio's support calendar for the lines this project installs. A minor line is supported until six weeks after the
 * second minor release that follows it (https://istio.io/latest/docs/releases/supported-releases/); its end of life
 * is written here once Istio has announced it, and an up on a line past it is refused (see `lineSupportIssues`).
 * A line without a date is supported. Oldest first.
 */
export const ISTIO_SUPPORT_CALENDAR: readonly IstioLineSupport[] = [
    // Announced with 1.29.9, the line's last release (1.31.0 came out on 2026-08-31).
    { line: "1.29", released: "2026-02-16", endOfLife: "2026-10-15" },
    // Ends six weeks after 1.32.0, which Istio has not released yet.
    { line: "1.30", released: "2026-05-18" },
    { line: "1.31", released: "2026-08-31" },
];

export interface IstioLineSupport {
    /** The minor line, e.g. "1.30". */
    readonly line: string;
    /** The day Istio released the line's .0 release (ISO date). */
    readonly released: string;
    /** The day Istio ended the line's support (ISO date); absent while it is supported. */
    readonly endOfLife?: string;
}

export interface IstioVersion {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** Pre-release part without the dash, e.g. "rc.0"; undefined for a final release. */
    readonly preRelease?: string;
    /** The version as written, e.g. "1.30.3". */
    readonly text: string;
}

// Istio tags carry no leading "v": 1.30.3, 1.31.0-rc.0, 1.31.0-beta.1.
const VERSION_PATTERN = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*))?$/;

/** Parses an exact Istio version; returns undefined for anything that is not one. */
export function parseIstioVersion(text: string): IstioVersion | undefined {
    const match = VERSION_PATTERN.exec(text);
    if (!match) {
        return undefined;
    }
    return {
        major: Number(match[1]),
        minor: Number(match[2]),
        patch: Number(match[3]),
        preRelease: match[4],
        text,
    };
}

export function istioLine(version: IstioVersion): string {
    return `${version.major}.${version.minor}`;
}

/** The calendar entry of a version's line, or undefined for a line this project does not know. */
export function lineSupport(version: IstioVersion): IstioLineSupport | undefined {
    return ISTIO_SUPPORT_CALENDAR.find((entry) => entry.line === istioLine(version));
}

/** True when the version's line is in the calendar (supported or past its end of life). */
export function isKnownLine(version: IstioVersion): boolean {
    return lineSupport(version) !== undefined;
}

/** The ISO date (YYYY-MM-DD, UTC) of a moment. */
function isoDay(moment: Date): string {
    return moment.toISOString().slice(0, 10);
}

/** True when the line's end of life has been reached on `today` (the end-of-life day itself counts as past). */
export function isPastEndOfLife(entry: IstioLineSupport, today: Date = new Date()): boolean {
    return entry.endOfLife !== undefined && entry.endOfLife <= isoDay(today);
}

/** The lines Istio supports on `today`, oldest first. */
export function supportedIstioLines(today: Date = new Date()): string[] {
    return ISTIO_SUPPORT_CALENDAR.filter((entry) => !isPastEndOfLife(entry, today)).map((entry) => entry.line);
}

/** True when the version is on a line Istio supports on `today`. */
export function isSupportedLine(version: IstioVersion, today: Date = new Date()): boolean {
    const entry = lineSupport(version);
    return entry !== undefined && !isPastEndOfLife(entry, today);
}

/** True when the version is on a line at or after `line` (e.g. "1.31"). */
export function isAtLeastLine(version: IstioVersion, line: string): boolean {
    const [major, minor] = line.split(".").map(Number);
    return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * What the schema says about a version whose line this project does not know: the lines it installs today.
 * `example` is a release to suggest.
 */
export function unknownLineMessage(today: Date = new Date()): string {
    const lines = supportedIstioLines(today);
    return `allowed: a release on the ${lines.join(", ")} lines (Istio's supported lines). Fix: pin a supported release, e.g. ${exampleRelease(today)}`;
}

/** A release to suggest in messages: the .0 release of the newest supported line. */
export function exampleRelease(today: Date = new Date()): string {
    const lines = supportedIstioLines(today);
    return `${lines[lines.length - 1] ?? ISTIO_SUPPORT_CALENDAR[ISTIO_SUPPORT_CALENDAR.length - 1].line}.0`;
}

/** A problem of the pinned versions, with its key path below `mesh`. */
export interface VersionSupportIssue {
    readonly path: readonly PropertyKey[];
    readonly given: string;
    readonly message: string;
}

/**
 * The pinned versions on lines past their end of life. A single `istio.version` on such a line is refused; among
 * `istio.revisions` such a revision is allowed while another revision is on a supported line (a canary upgrade off
 * that line is in progress), and refused when none is.
 */
export function lineSupportIssues(
    istio: { readonly version?: string; readonly revisions?: readonly { readonly version: string }[] },
    today: Date = new Date(),
): VersionSupportIssue[] {
    const pinned: { path: PropertyKey[]; text: string }[] =
        istio.revisions !== undefined
            ? istio.revisions.map((revision, index) => ({ path: ["istio", "revisions", index, "version"], text: revision.version }))
            : istio.version !== undefined
              ? [{ path: ["istio", "version"], text: istio.version }]
              : [];
    const parsed = pinned.flatMap((entry) => {
        const version = parseIstioVersion(entry.text);
        const support = version === undefined ? undefined : lineSupport(version);
        return support === undefined ? [] : [{ ...entry, support }];
    });
    if (parsed.some((entry) => !isPastEndOfLife(entry.support, today))) {
        return [];
    }
    const target = exampleRelease(today);
    return parsed.map((entry) => ({
        path: entry.path,
        given: entry.text,
        message:
            `Istio ${entry.support.line} reached its end of life on ${entry.support.endOfLife} (Istio's support calendar); ` +
            `allowed: a release on the ${supportedIstioLines(today).join(", ")} lines. Fix: upgrade with a canary ` +
            `(README "Upgrades"): istio.revisions: [{version: "${entry.text}"}, {version: "${target}"}], then move the tags and remove ${entry.text}`,
    }));
}

/**
 * The revision name for a version when none is configured: dots become dashes, as in Istio's own
 * documentation ("1.30.3" -> "1-30-3", "1.31.0-rc.0" -> "1-31-0-rc-0"). A revision per patch release
 * means every upgrade, patch ones included, can be a canary.
 */
export function revisionForVersion(version: IstioVersion): string {
    return version.text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
