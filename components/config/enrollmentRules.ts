/**
 * Cross-field rules for revisions, revision tags, namespace enrollment and the webhooks.
 */
import { DEFAULT_TAG, SYSTEM_NAMESPACES } from "./enrollmentSettings";
import { ConfigIssue, duplicates } from "./issues";
import { parseIstioVersion, revisionForVersion } from "./istioVersion";
import { VERSION_REQUIRED } from "./schema";
import type { Sections } from "./sections";

/** The revision names a valid `istio` section declares, in order. */
export function declaredRevisions(istio: NonNullable<Sections["istio"]>): string[] {
    const written = istio.revisions ?? (istio.version !== undefined ? [{ version: istio.version, name: istio.revision }] : []);
    return written.map((revision) => revision.name ?? revisionForVersion(parseIstioVersion(revision.version)!));
}

export function enrollmentIssues(sections: Sections): ConfigIssue[] {
    const istio = sections.istio;
    if (istio === undefined) {
        return [];
    }
    const issues: ConfigIssue[] = [];
    if (istio.version === undefined && istio.revisions === undefined) {
        issues.push({ path: ["istio", "version"], message: VERSION_REQUIRED });
        return issues;
    }
    if (istio.version !== undefined && istio.revisions !== undefined) {
        issues.push({
            path: ["istio", "version"],
            given: istio.version,
            message:
                "istio.version and istio.revisions are mutually exclusive. Choose a single approach: istio.version " +
                "for one revision, or istio.revisions (each with its version) for a canary upgrade",
        });
        return issues;
    }
    if (istio.revisions !== undefined && istio.revision !== undefined) {
        issues.push({
            path: ["istio", "revision"],
            given: istio.revision,
            message: "istio.revision names the single revision of istio.version. Fix: move it to istio.revisions[].name",
        });
    }

    const revisions = declaredRevisions(istio);
    revisions.forEach((name, index) => {
        if (name === DEFAULT_TAG) {
            issues.push({
                path: istio.revisions !== undefined ? ["istio", "revisions", index, "name"] : ["istio", "revision"],
                given: name,
                message:
                    'allowed: any DNS-1123 label except "default", which Istio reserves for the default revision tag. ' +
                    "Fix: remove the key to derive it from the version (e.g. 1-30-3)",
            });
        }
    });
    for (const name of duplicates(revisions)) {
        issues.push({
            path: ["istio", "revisions"],
            given: name,
            message: `revision "${name}" is declared twice (two entries with the same version or name). Fix: give one of them a distinct name`,
        });
    }

    const tags = istio.tags ?? (revisions.length === 1 ? { [DEFAULT_TAG]: revisions[0] } : {});
    if (tags[DEFAULT_TAG] === undefined) {
        issues.push({
            path: ["istio", "tags", DEFAULT_TAG],
            message:
                `required with more than one revision: the revision that the default tag (istio-injection=enabled ` +
                `namespaces, cluster-wide validation) points at. Fix: set istio.tags.default to one of ${revisions.join(", ")}`,
        });
    }
    for (const [tag, revision] of Object.entries(tags)) {
        if (!revisions.includes(revision)) {
            issues.push({
                path: ["istio", "tags", tag],
                given: revision,
                message:
                    `tag "${tag}" points at revision "${revision}", which is not in istio.revisions (${revisions.join(", ")}). ` +
                    `Fix: point the tag at a remaining revision before removing "${revision}"`,
            });
        }
        if (tag !== DEFAULT_TAG && revisions.includes(tag)) {
            issues.push({
                path: ["istio", "tags", tag],
                given: revision,
                message: `a tag cannot share its name with a revision ("${tag}"): istio.io/rev=${tag} would be ambiguous. Fix: rename the tag`,
            });
        }
    }

    if (revisions.length > 1 && sections.images?.tag !== undefined) {
        issues.push({
            path: ["images", "tag"],
            given: sections.images.tag,
            message:
                "one image tag for several revisions would run every revision on the same release. Fix: remove " +
                "images.tag so that each revision runs its own version",
        });
    }

    issues.push(...namespaceIssues(sections, revisions, tags));
    return issues;
}

function namespaceIssues(sections: Sections, revisions: readonly string[], tags: Record<string, string>): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const namespaces = sections.namespaces ?? [];
    const istioNamespace = sections.namespace ?? "istio-system";
    const neverInject = new Set<string>([...SYSTEM_NAMESPACES, istioNamespace, ...(sections.webhooks?.neverInjectNamespaces ?? [])]);
    for (const name of duplicates(namespaces.map((namespace) => namespace.name))) {
        issues.push({
            path: ["namespaces"],
            given: name,
            message: `namespace "${name}" is listed twice. Fix: keep one entry`,
        });
    }
    namespaces.forEach((namespace, index) => {
        const path = ["namespaces", index];
        if (namespace.tag !== undefined && namespace.revision !== undefined) {
            issues.push({
                path: [...path, "revision"],
                given: namespace.revision,
                message:
                    "tag and revision are mutually exclusive: a namespace carries one istio.io/rev label. " +
                    "Fix: keep tag to follow upgrades, or revision to pin this namespace",
            });
        }
        if (namespace.tag !== undefined && tags[namespace.tag] === undefined) {
            issues.push({
                path: [...path, "tag"],
                given: namespace.tag,
                message: `allowed: a tag of istio.tags (${Object.keys(tags).join(", ")}). Fix: add the tag or use one of those`,
            });
        }
        if (namespace.revision !== undefined && !revisions.includes(namespace.revision)) {
            issues.push({
                path: [...path, "revision"],
                given: namespace.revision,
                message: `allowed: a revision of istio.revisions (${revisions.join(", ")}). Fix: use one of those, or a tag`,
            });
        }
        if (neverInject.has(namespace.name)) {
            issues.push({
                path: [...path, "name"],
                given: namespace.name,
                message:
                    `"${namespace.name}" must never be injected (Kubernetes' and Istio's own namespaces, and ` +
                    "webhooks.neverInjectNamespaces). Fix: remove it from namespaces",
            });
        }
    });
    return issues;
}
