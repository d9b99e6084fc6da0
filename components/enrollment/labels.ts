/**
 * The revision model of namespace enrollment, as pure functions: which label puts a namespace on which revision.
 */
import { DEFAULT_TAG, EnrollmentTarget, NamespaceEnrollment } from "../config/enrollment";
import { USE_WAYPOINT_LABEL } from "../gatewayapi/objects";

export const INJECTION_LABEL = "istio-injection";
export const REVISION_LABEL = "istio.io/rev";

/**
 * `istio-injection=enabled` for the default tag, `istio.io/rev=<tag-or-revision>` otherwise; never both, since Istio
 * gives the legacy label precedence and the revision label would be silently ignored.
 */
export function enrollmentLabels(target: EnrollmentTarget): Record<string, string> {
    if ("tag" in target && target.tag === DEFAULT_TAG) {
        return { [INJECTION_LABEL]: "enabled" };
    }
    return { [REVISION_LABEL]: "tag" in target ? target.tag : target.revision };
}

/** Puts a namespace's pods in the ambient data plane (ztunnel redirects their traffic; no sidecar). */
export const DATAPLANE_MODE_LABEL = "istio.io/dataplane-mode";

/**
 * A namespace's labels: the injection label of its revision for sidecars; for ambient, the data-plane label (never
 * an injection label beside it: both data planes would claim its pods) and the namespace's waypoint, unless only
 * chosen Services use it.
 */
export function namespaceLabels(namespace: Pick<NamespaceEnrollment, "target" | "dataplane" | "waypoint">): Record<string, string> {
    if (namespace.dataplane === "sidecar") {
        return enrollmentLabels(namespace.target);
    }
    const waypoint = namespace.waypoint;
    return {
        [DATAPLANE_MODE_LABEL]: "ambient",
        ...(waypoint !== undefined && waypoint.services.length === 0 ? { [USE_WAYPOINT_LABEL]: waypoint.name } : {}),
    };
}

/** The revision a target resolves to through the tags. */
export function resolveRevision(target: EnrollmentTarget, tags: Readonly<Record<string, string>>): string {
    return "tag" in target ? tags[target.tag] : target.revision;
}

export interface EnrollmentReport {
    /** The label that enrolls the namespace, as `key=value`. */
    readonly label: string;
    /** The tag it follows, when it follows one. */
    readonly tag?: string;
    /** The revision whose istiod injects its pods. */
    readonly revision: string;
    /** Whether the stack owns (created) the namespace. */
    readonly owned: boolean;
    /** Ambient namespaces only: "ambient", and the waypoint that serves them. */
    readonly dataplane?: "ambient";
    readonly waypoint?: string;
}

/** Namespace -> how it is enrolled, for the `enrollment` stack output. */
export function enrollmentReport(
    namespaces: readonly NamespaceEnrollment[],
    tags: Readonly<Record<string, string>>,
): Record<string, EnrollmentReport> {
    return Object.fromEntries(
        namespaces.map((namespace) => {
            const [key, value] = Object.entries(namespaceLabels(namespace))[0];
            return [
                namespace.name,
                {
                    label: `${key}=${value}`,
                    ...("tag" in namespace.target ? { tag: namespace.target.tag } : {}),
                    revision: resolveRevision(namespace.target, tags),
                    owned: !namespace.existing,
                    ...(namespace.dataplane === "ambient" ? { dataplane: "ambient" as const } : {}),
                    ...(namespace.waypoint !== undefined ? { waypoint: namespace.waypoint.name } : {}),
                },
            ];
        }),
    );
}
