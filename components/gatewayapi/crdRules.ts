/**
 * The rules between the Gateway API CRDs in the cluster and what the stack would do with them, as a pure function of
 * what was read: managed CRDs are never downgraded (nor moved from the experimental to the standard channel), and
 * CRDs that another owner manages must meet the minimum versions of every istiod revision.
 */
import { IstioVersion } from "../config/istioVersion";
import {
    BUNDLE_VERSION_ANNOTATION,
    BundleVersion,
    compareBundleVersions,
    GatewayApiChannel,
    istiodCrdRequirements,
    parseBundleVersion,
    roundedUp,
} from "./versions";

/** One Gateway API CRD as the cluster holds it. */
export interface LiveCrd {
    readonly name: string;
    /** The bundle-version annotation, as written; undefined when the CRD carries none. */
    readonly bundleVersion?: string;
    /** The channel annotation; undefined when the CRD carries none. */
    readonly channel?: string;
}

export type CrdPlan =
    /** The stack applies the release at `version` of `channel`. */
    | { readonly mode: "managed"; readonly version: BundleVersion; readonly channel: GatewayApiChannel }
    /** Another owner manages the CRDs; the stack only checks them. */
    | { readonly mode: "external" };

export interface CrdCheck {
    readonly plan: CrdPlan;
    /** Every istiod revision's release: each must find the CRDs at versions it watches. */
    readonly istiodVersions: readonly IstioVersion[];
    /** CRDs the stack's own Gateway API objects need (e.g. gateways.gateway.networking.k8s.io). */
    readonly requiredCrds: readonly string[];
}

export interface CrdFindings {
    readonly errors: readonly string[];
    readonly warnings: readonly string[];
}

const MANAGED_FIX_NEWER =
    "Fix: pin an Istio release whose line builds against that version or a newer one, or set gatewayApi.crds: " +
    "external to leave the CRDs to their owner";

export function crdFindings(check: CrdCheck, live: readonly LiveCrd[]): CrdFindings {
    return check.plan.mode === "managed" ? managedFindings(check, check.plan, live) : externalFindings(check, live);
}

function managedFindings(check: CrdCheck, plan: Extract<CrdPlan, { mode: "managed" }>, live: readonly LiveCrd[]): CrdFindings {
    const errors: string[] = [];
    const newer: string[] = [];
    const unversioned: string[] = [];
    const experimental: string[] = [];
    for (const crd of live) {
        const version = crd.bundleVersion === undefined ? undefined : parseBundleVersion(crd.bundleVersion);
        if (version === undefined) {
            unversioned.push(crd.bundleVersion === undefined ? crd.name : `${crd.name} (${crd.bundleVersion})`);
        } else if (compareBundleVersions(version, plan.version) > 0) {
            newer.push(`${crd.name} ${version.text}`);
        }
        if (plan.channel === "standard" && crd.channel === "experimental") {
            experimental.push(crd.name);
        }
    }
    if (newer.length > 0) {
        errors.push(
            `the cluster's Gateway API CRDs are newer than the ${plan.version.text} this stack would apply, and the stack ` +
                `never downgrades them: ${newer.join(", ")}. ${MANAGED_FIX_NEWER}`,
        );
    }
    if (unversioned.length > 0) {
        errors.push(
            `Gateway API CRDs without a valid ${BUNDLE_VERSION_ANNOTATION} annotation: ${unversioned.join(", ")}; the stack ` +
                `cannot tell whether applying ${plan.version.text} would downgrade them. Fix: set gatewayApi.crds: external, ` +
                "or replace them with a Gateway API release",
        );
    }
    if (experimental.length > 0) {
        errors.push(
            `experimental-channel Gateway API CRDs in the cluster (${experimental.join(", ")}) would be replaced by the ` +
                "standard channel, dropping the experimental fields of stored objects. Fix: set gatewayApi.channel: " +
                "experimental, or gatewayApi.crds: external",
        );
    }
    // Every CRD istiod bounds, as the pinned release would leave it.
    const bounded = [...new Set(check.istiodVersions.flatMap((version) => istiodCrdRequirements(version).map((requirement) => requirement.crd)))];
    const applied = bounded.map((name) => ({ name, bundleVersion: plan.version.text }));
    return { errors, warnings: boundWarnings(check.istiodVersions, applied, true) };
}

function externalFindings(check: CrdCheck, live: readonly LiveCrd[]): CrdFindings {
    const errors: string[] = [];
    const byName = new Map(live.map((crd) => [crd.name, crd]));
    const missing = check.requiredCrds.filter((name) => !byName.has(name));
    if (missing.length > 0) {
        errors.push(
            `gatewayApi.crds is external, but the cluster has no CRD ${missing.join(", ")}, which the stack's Gateway API ` +
                "objects need. Fix: have the CRDs' owner install the Gateway API (standard channel), or set gatewayApi.crds: managed",
        );
    }
    for (const version of check.istiodVersions) {
        for (const requirement of istiodCrdRequirements(version)) {
            const crd = byName.get(requirement.crd);
            if (crd === undefined || requirement.minimum === undefined) {
                continue;
            }
            const found = crd.bundleVersion === undefined ? undefined : parseBundleVersion(crd.bundleVersion);
            if (found === undefined) {
                errors.push(
                    `${crd.name} carries no valid ${BUNDLE_VERSION_ANNOTATION} annotation, so istiod ${version.text} ignores ` +
                        `it (it needs ${requirement.minimum.text} or newer). Fix: upgrade the Gateway API CRDs to a release`,
                );
            } else if (compareBundleVersions(roundedUp(found), requirement.minimum) < 0) {
                errors.push(
                    `${crd.name} is ${found.text}, below ${requirement.minimum.text} that istiod ${version.text} requires: ` +
                        "istiod silently ignores every resource of that kind. Fix: upgrade the cluster's Gateway API CRDs to " +
                        `${requirement.minimum.text} or newer, or set gatewayApi.crds: managed`,
                );
            }
        }
    }
    return { errors, warnings: boundWarnings(check.istiodVersions, live, false) };
}

/** istiod ignores CRDs above its maximum (1.29's TLSRoute client targets a version that newer bundles stop serving). */
function boundWarnings(istiodVersions: readonly IstioVersion[], crds: readonly LiveCrd[], applied: boolean): string[] {
    const warnings: string[] = [];
    const byName = new Map(crds.map((crd) => [crd.name, crd]));
    for (const version of istiodVersions) {
        for (const requirement of istiodCrdRequirements(version)) {
            const crd = byName.get(requirement.crd);
            const found = crd?.bundleVersion === undefined ? undefined : parseBundleVersion(crd.bundleVersion);
            if (requirement.maximum !== undefined && found !== undefined && compareBundleVersions(roundedUp(found), requirement.maximum) > 0) {
                warnings.push(
                    `istiod ${version.text} ignores ${requirement.crd} above ${requirement.maximum.text}, and the cluster ` +
                        `${applied ? "gets" : "has"} ${found.text}: its TLSRoutes are served by newer revisions only`,
                );
            }
        }
    }
    return warnings;
}
