/**
 * Rules that span two concerns, and the one place that runs every check. Checks run on the raw configuration,
 * beside the schema, so that a stack file with both kinds of mistake gets every message in one run. Each check
 * reads the sections it needs as their own schema parsed them, and stays silent when a section is malformed (the
 * schema reports that).
 */
import { chartIssues, istioNamespaceOf, istiodIssues } from "./controlPlane";
import { meshConfigIssues, outboundTrafficPolicyOf } from "./meshConfig";
import { CHARTS, overrideIssues } from "./overrides";
import { declaredRevisions, namespaceIssues, neverInjectNamespaces, revisionIssues } from "./enrollment";
import { dataPlaneIssues } from "./dataPlane";
import { gatewayApiIssues } from "./gatewayApi";
import { gatewayIssues, gatewayNamespaceOf } from "./gateways";
import { interceptionIssues, interceptionModeOf } from "./interception";
import { ConfigIssue } from "./issues";
import { lineSupportIssues } from "./istioVersion";
import { caStackClusterIssues, multiClusterIssues } from "./multiCluster";
import { pkiIssues } from "./pki";
import { isInvalid, Sections, validSections } from "./sections";

/** Every problem of a raw configuration that its schema alone does not see. */
export function checkIssues(raw: unknown): ConfigIssue[] {
    const sections = validSections(raw);
    return [...sectionIssues(sections), ...crossSectionIssues(sections)];
}

/** Each concern's own checks, on its own sections. */
function sectionIssues(sections: Sections): ConfigIssue[] {
    const istio = knownRevisions(sections);
    // Namespaces follow tags and revisions: their tags are checked once the revisions are declared one way.
    const revisionsDeclared = istio !== undefined && (istio.version !== undefined) !== (istio.revisions !== undefined);
    return [
        ...(sections.istiod !== undefined ? istiodIssues(sections.istiod) : []),
        ...(sections.charts !== undefined ? chartIssues(sections.charts) : []),
        ...(istio !== undefined ? revisionIssues(istio) : []),
        ...(istio !== undefined ? lineSupportIssues(istio) : []),
        ...namespaceIssues(sections.namespaces ?? [], revisionsDeclared ? istio : undefined),
        ...(sections.pki !== undefined ? pkiIssues(sections.pki) : []),
        ...(sections.interception !== undefined ? interceptionIssues(sections.interception, sections.dataPlane?.mode) : []),
        ...gatewayIssues(sections.gateways ?? [], sections.egress),
        ...(sections.meshConfig !== undefined ? meshConfigIssues(sections.meshConfig, !isInvalid(sections, "meshConfig.extensionProviders")) : []),
        ...CHARTS.flatMap((chart) => {
            const values = sections.values?.[chart];
            return values !== undefined ? overrideIssues(chart, values, ["values", chart]) : [];
        }),
    ];
}

/** The `istio` section when every key that declares revisions and tags is valid; undefined otherwise. */
function knownRevisions(sections: Sections): Sections["istio"] {
    const keys = ["istio.version", "istio.revision", "istio.revisions", "istio.tags"];
    return keys.some((key) => isInvalid(sections, key)) ? undefined : sections.istio;
}

export function crossSectionIssues(sections: Sections): ConfigIssue[] {
    return [
        ...imageTagIssues(sections),
        ...neverInjectIssues(sections),
        ...gatewayNamespaceIssues(sections),
        ...podSecurityIssues(sections),
        ...egressPolicyIssues(sections),
        ...dataPlaneIssues(sections),
        ...gatewayApiIssues(sections),
        ...(isInvalid(sections, "multiCluster.clusterName") ? [] : caStackClusterIssues(sections.pki, sections.multiCluster)),
        ...multiClusterIssues(sections),
    ];
}

/** images.tag with several revisions. */
function imageTagIssues(sections: Sections): ConfigIssue[] {
    const istio = knownRevisions(sections);
    const images = sections.images;
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
function neverInjectIssues(sections: Sections): ConfigIssue[] {
    const { namespace, namespaces, webhooks } = sections;
    if (isInvalid(sections, "namespace")) {
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

/** A gateway is an injected proxy: its namespace must be one the injector serves. */
function gatewayNamespaceIssues(sections: Sections): ConfigIssue[] {
    const { gateways, namespace, webhooks } = sections;
    if (isInvalid(sections, "namespace")) {
        return [];
    }
    const istioNamespace = istioNamespaceOf(namespace);
    const neverInject = new Set(neverInjectNamespaces(webhooks, istioNamespace));
    return (gateways ?? []).flatMap((gateway, index): ConfigIssue[] => {
        const where = gatewayNamespaceOf(gateway);
        if (!neverInject.has(where)) {
            return [];
        }
        return [
            {
                path: ["gateways", index, "namespace"],
                given: where,
                message:
                    `"${where}" is never injected (${where === istioNamespace ? "the Istio namespace" : "Kubernetes' namespaces and webhooks.neverInjectNamespaces"}), ` +
                    `so the gateway's pods would run without their proxy. Fix: use a namespace of its own, e.g. ${gateway.kind === "ingress" ? "istio-ingress" : "istio-egress"}`,
            },
        ];
    });
}

/** A restricted namespace rejects istio-init. */
function podSecurityIssues(sections: Sections): ConfigIssue[] {
    const { interception, namespaces, dataPlane } = sections;
    if (isInvalid(sections, "interception.mode") || interceptionModeOf(interception, dataPlane?.mode) !== "init") {
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
function egressPolicyIssues(sections: Sections): ConfigIssue[] {
    const { egress, meshConfig } = sections;
    const allowed = egress?.allowedHosts ?? [];
    const policy = outboundTrafficPolicyOf(meshConfig);
    // A policy that failed its schema is unknown, not ALLOW_ANY: the schema reports it.
    if (allowed.length === 0 || policy === "REGISTRY_ONLY" || isInvalid(sections, "meshConfig.outboundTrafficPolicy")) {
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
