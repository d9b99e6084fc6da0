/**
 * The readiness gate of a mesh, from its settings: what the resources that start pods or create Istio resources wait
 * for (see gate.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { MeshSettings } from "../config/settings";
import { istiodValues } from "../controlplane/values";
import { ReadinessGate } from "./gate";
import { skippedReport } from "./probe";

/** A digest of what every revision's istiod runs: a change (an upgrade, new values) probes again. Pure. */
export function istiodDigest(settings: MeshSettings): string {
    const values = settings.istio.revisions.map((revision) => istiodValues(settings, revision));
    return createHash("sha256").update(JSON.stringify(values)).digest("hex").slice(0, 16);
}

export function readinessGate(
    name: string,
    settings: MeshSettings,
    cluster: { readonly kubeconfig?: pulumi.Input<string>; readonly context?: string } | undefined,
    opts: pulumi.CustomResourceOptions,
): ReadinessGate {
    const readiness = settings.readiness;
    const revisions = settings.istio.revisions.map((revision) => revision.name);
    const gate = new ReadinessGate(
        name,
        {
            istioNamespace: settings.namespace,
            revisions,
            interception: settings.interception.mode,
            validation: settings.webhooks.validationFailurePolicy === "Fail",
            probeNamespace: readiness.probeNamespace,
            mode: readiness.probe,
            timeoutSeconds: readiness.timeoutSeconds,
            istiodDigest: istiodDigest(settings),
            ...(cluster?.kubeconfig !== undefined ? { kubeconfig: cluster.kubeconfig } : {}),
            ...(cluster?.context !== undefined ? { context: cluster.context } : {}),
        },
        opts,
    );
    if (readiness.probe === "skip") {
        pulumi.log.info(`readiness gate: ${skippedReport(revisions)[0]}`, gate);
    }
    return gate;
}
