/**
 * The order an upgrade moves through the environments: while it does, the stacks may pin different Istio releases,
 * but a later stage never runs a release newer than every release of an earlier stage (prod never ahead of staging,
 * staging never ahead of dev).
 */
import { parseIstioVersion, IstioVersion } from "../../components/config/istioVersion";
import { Stage, STAGES } from "./stages";

/** The Istio versions a mesh configuration (plain data) pins: `istio.version`, or each of `istio.revisions`. */
export function istioVersionsOf(mesh: unknown): IstioVersion[] {
    const istio = (mesh as { istio?: { version?: unknown; revisions?: unknown } } | undefined)?.istio;
    const texts = Array.isArray(istio?.revisions)
        ? istio.revisions.map((revision) => (revision as { version?: unknown } | null)?.version)
        : [istio?.version];
    return texts.flatMap((text) => {
        const version = typeof text === "string" ? parseIstioVersion(text) : undefined;
        return version === undefined ? [] : [version];
    });
}

/** Negative when a is older than b; a pre-release comes before its release (1.31.0-rc.0 < 1.31.0). */
export function compareIstioVersions(a: IstioVersion, b: IstioVersion): number {
    const numbers = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
    if (numbers !== 0) {
        return numbers;
    }
    if (a.preRelease === b.preRelease) {
        return 0;
    }
    if (a.preRelease === undefined || b.preRelease === undefined) {
        return a.preRelease === undefined ? 1 : -1;
    }
    return a.preRelease < b.preRelease ? -1 : 1;
}

export function newestIstioVersion(mesh: unknown): IstioVersion | undefined {
    return istioVersionsOf(mesh).reduce<IstioVersion | undefined>(
        (newest, version) => (newest === undefined || compareIstioVersions(version, newest) > 0 ? version : newest),
        undefined,
    );
}

/** One stage running a release newer than every release of an earlier stage. */
export interface OrderViolation {
    readonly earlier: Stage;
    readonly later: Stage;
    readonly message: string;
}

/**
 * Every pair of stages out of order, for the mesh configurations given (a stage left out is not compared). A stage
 * whose versions cannot be read is left to configuration validation.
 */
export function orderViolations(meshes: Partial<Record<Stage, unknown>>): OrderViolation[] {
    const violations: OrderViolation[] = [];
    STAGES.forEach((earlier, index) => {
        for (const later of STAGES.slice(index + 1)) {
            if (!(earlier in meshes) || !(later in meshes)) {
                continue;
            }
            const earlierNewest = newestIstioVersion(meshes[earlier]);
            const laterNewest = newestIstioVersion(meshes[later]);
            if (earlierNewest !== undefined && laterNewest !== undefined && compareIstioVersions(laterNewest, earlierNewest) > 0) {
                violations.push({
                    earlier,
                    later,
                    message:
                        `${later} would run Istio ${laterNewest.text}, newer than anything ${earlier} runs (newest ${earlierNewest.text}): ` +
                        `${later} is never ahead of ${earlier}. Fix: promote ${earlier}'s pins first`,
                });
            }
        }
    });
    return violations;
}
