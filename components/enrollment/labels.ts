/**
 * The revision model of namespace enrollment, as pure functions: which label puts a namespace on which revision.
 */
import { DEFAULT_TAG, EnrollmentTarget, NamespaceEnrollment } from "../config/enrollment";

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
}

/** Namespace -> how it is enrolled, for the `enrollment` stack output. */
export function enrollmentReport(
    namespaces: readonly NamespaceEnrollment[],
    tags: Readonly<Record<string, string>>,
): Record<string, EnrollmentReport> {
    return Object.fromEntries(
        namespaces.map((namespace) => {
            const [key, value] = Object.entries(enrollmentLabels(namespace.target))[0];
            return [
                namespace.name,
                {
                    label: `${key}=${value}`,
                    ...("tag" in namespace.target ? { tag: namespace.target.tag } : {}),
                    revision: resolveRevision(namespace.target, tags),
                    owned: !namespace.existing,
                },
            ];
        }),
    );
}
