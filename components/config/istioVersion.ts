/**
 * Istio release versions: parsing, the supported lines, and the revision name derived from a version.
 */

/** The Istio minor lines this project installs and tests. */
export const SUPPORTED_ISTIO_LINES = ["1.29", "1.30", "1.31"] as const;
export type IstioLine = (typeof SUPPORTED_ISTIO_LINES)[number];

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

export function isSupportedLine(version: IstioVersion): boolean {
    return (SUPPORTED_ISTIO_LINES as readonly string[]).includes(istioLine(version));
}

/** True when the version is on a line at or after `line` (e.g. "1.31"). */
export function isAtLeastLine(version: IstioVersion, line: string): boolean {
    const [major, minor] = line.split(".").map(Number);
    return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * The revision name for a version when none is configured: dots become dashes, as in Istio's own
 * documentation ("1.30.3" -> "1-30-3", "1.31.0-rc.0" -> "1-31-0-rc-0"). A revision per patch release
 * means every upgrade, patch ones included, can be a canary.
 */
export function revisionForVersion(version: IstioVersion): string {
    return version.text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
