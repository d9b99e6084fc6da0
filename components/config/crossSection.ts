/**
 * Rules that span two concerns, and the one place that runs every check. Checks run on the raw configuration,
 * beside the schema, so that a stack file with both kinds of mistake gets every message in one run. Each check
 * reads the sections it needs as their own schema parsed them, and stays silent when a section is malformed (the
 * schema reports that).
 */
import { chartIssues, istioNamespaceOf, istiodIssues, outboundTrafficPolicyOf } from "./controlPlane";
import { declaredRevisions, namespaceIssues, neverInjectNamespaces, revisionIssues } from "./enrollment";
import { dataPlaneIssues } from "./dataPlane";
import { gatewayApiIssues } from "./gatewayApi";
import { gatewayIssues } from "./gateways";
import { interceptionIssues, interceptionModeOf } from "./interception";
import { ConfigIssue } from "./issues";
import { pkiIssues } from "./pki";
import { Sections, validSections } from "./sections";

/** Every problem of a raw configuration that its schema alone does not see. */
export function checkIssues(raw: unknown): ConfigIssue[] {
    const sections = validSections(raw);
    return [...sectionIssues(sections), ...crossSectionIssues(sections)];
}

/** Each concern's own checks, on its own sections. */
function sectionIssues(sections: Sections): ConfigIssue[] {
    const { istio } = sections;
    const revisionProblems = istio !== undefined ? revisionIssues(istio) : [];
    // Namespaces follow tags and revisions: checked once the revisions are declared one way.
    const revisionsDeclared = istio !== undefined && (istio.version !== undefined) !== (istio.revisions !== undefined);
    return [
        ...(sections.istiod !== undefined ? istiodIssues(sections.istiod) : []),
        ...(sections.charts !== undefined ? chartIssues(sections.charts) : []),
        ...revisionProblems,
        ...(revisionsDeclared ? namespaceIssues(sections.namespaces ?? [], istio) : []),
        ...(sections.pki !== undefined ? pkiIssues(sections.pki) : []),
        ...(sections.interception !== undefined ? interceptionIssues(sections.interception, sections.dataPlane?.mode) : []),
        ...gatewayIssues(sections.gateways ?? [], sections.egress),
    ];
}

export function crossSectionIssues(sections: Sections): ConfigIssue[] {
    return [
        ...imageTagIssues(sections),
        ...neverInjectIssues(sections),
        ...podSecurityIssues(sections),
        ...egressPolicyIssues(sections),
        ...dataPlaneIssues(sections),
        ...gatewayApiIssues(sections),
    ];
}

/** images.tag with several revisions. */
function imageTagIssues({ istio, images }: Sections): ConfigIssue[] {
    if (istio === undefined || istio.version !== undefined || images?.tag === undefined || declaredRevisions(istio).length <= 1) {
        return [];
    }
    return [
        {
            path: ["images", "tag"],
            given: images.tag,
            message:
                "one image tag for several revisions would run every revision on the same release. Fix: remove " +
                "images.tag so that each revision runs its own version",
        },
    ];
}

/** An enrolled namespace that must never be injected (Kubernetes', Istio's, webhooks.neverInjectNamespaces). */
function neverInjectIssues({ istio, namespace, namespaces, webhooks }: Sections): ConfigIssue[] {
    if (istio === undefined || (istio.version !== undefined) === (istio.revisions !== undefined)) {
        return [];
    }
    const neverInject = new Set(neverInjectNamespaces(webhooks, istioNamespaceOf(namespace)));
    return (namespaces ?? []).flatMap((entry, index): ConfigIssue[] =>
        neverInject.has(entry.name)
            ? [
                  {
                      path: ["namespaces", index, "name"],
                      given: entry.name,
                      message:
                          `"${entry.name}" must never be injected (Kubernetes' and Istio's own namespaces, and ` +
                          "webhooks.neverInjectNamespaces). Fix: remove it from namespaces",
                  },
              ]
            : [],
    );
}

/** A restricted namespace rejects istio-init. */
function podSecurityIssues({ interception, namespaces, dataPlane }: Sections): ConfigIssue[] {
    if (interceptionModeOf(interception, dataPlane?.mode) !== "init") {
        return [];
    }
    return (namespaces ?? []).flatMap((namespace, index): ConfigIssue[] =>
        namespace.podSecurity === "restricted"
            ? [
                  {
                      path: ["namespaces", index, "podSecurity"],
                      given: namespace.podSecurity,
                      message:
                          `namespace "${namespace.name}" enforces the restricted Pod Security Standard, which rejects the ` +
                          "istio-init container (it needs NET_ADMIN and NET_RAW), so no injected pod would start there. " +
                          'Fix: set interception.mode to "cni" (pods then need no extra capability)',
                  },
              ]
            : [],
    );
}

/** Allowed egress hosts lock nothing down unless the mesh refuses everything else. */
function egressPolicyIssues({ egress, meshConfig }: Sections): ConfigIssue[] {
    const allowed = egress?.allowedHosts ?? [];
    const policy = outboundTrafficPolicyOf(meshConfig);
    if (allowed.length === 0 || policy === "REGISTRY_ONLY") {
        return [];
    }
    return [
        {
            path: ["meshConfig", "outboundTrafficPolicy"],
            given: policy,
            message:
                "egress.allowedHosts locks egress down only when nothing else may leave. Fix: set " +
                "meshConfig.outboundTrafficPolicy to REGISTRY_ONLY",
        },
    ];
}
