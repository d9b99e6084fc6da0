/**
 * Runs the verify checks against a cluster: reads what each check needs with kubectl, then judges it with checks.ts.
 */
import { ambientVerifyInputs, verifyAmbient } from "./ambientCluster";
import { resolveRevision } from "../enrollment/labels";
import { MeshSettings } from "../config/settings";
import { caChain, CheckResult, DeploymentStatus, DryRunOutcome, DryRunPod, injectedBy, istiodReady, validationAnswers } from "./checks";
import { find, kubectl, kubectlError, KubeObject } from "./kubectl";
import { censusChecks, readLiveMesh } from "../lifecycle/revisionCensus";
import { execIstiodDebug, IstiodDebugReader, verifyMultiCluster } from "./multiClusterCluster";

/** Istio's documented example of a resource that only istiod's validation rejects: a Gateway without servers. */
const INVALID_GATEWAY = {
    apiVersion: "networking.istio.io/v1",
    kind: "Gateway",
    metadata: { name: "mesh-verify-invalid", namespace: "" },
    spec: { selector: { istio: "ingressgateway" } },
};

function deployment(name: string, namespace: string): DeploymentStatus | undefined {
    const object = find("deployment", name, namespace) as (KubeObject & { spec: { replicas?: number }; status?: { readyReplicas?: number } }) | undefined;
    return object === undefined ? undefined : { name, replicas: object.spec.replicas ?? 1, readyReplicas: object.status?.readyReplicas ?? 0 };
}

function createDryRun(object: object, namespace: string): { created: true; object: KubeObject } | { created: false; message: string } {
    try {
        const created = kubectl(["create", "--dry-run=server", "-o", "json", "-n", namespace, "-f", "-"], JSON.stringify(object));
        return { created: true, object: JSON.parse(created) as KubeObject };
    } catch (error) {
        return { created: false, message: kubectlError(error) };
    }
}

function dryRunPod(namespace: string): DryRunPod {
    const outcome = createDryRun(
        {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "mesh-verify", namespace, labels: { app: "mesh-verify" } },
            spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
        },
        namespace,
    );
    if (!outcome.created) {
        return { containers: [], initContainers: [], sidecars: [], error: outcome.message };
    }
    const pod = outcome.object as KubeObject & {
        metadata: { annotations?: Record<string, string> };
        spec: { containers: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] };
    };
    const initContainers = pod.spec.initContainers ?? [];
    return {
        containers: pod.spec.containers.map((container) => container.name),
        initContainers: initContainers.map((container) => container.name),
        sidecars: initContainers.filter((container) => container.restartPolicy === "Always").map((container) => container.name),
        injectionStatus: pod.metadata.annotations?.["sidecar.istio.io/status"],
    };
}

function secretFiles(namespace: string): Record<string, string> | undefined {
    const secret = find("secret", "cacerts", namespace) as (KubeObject & { data?: Record<string, string> }) | undefined;
    return secret === undefined
        ? undefined
        : Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));
}

export interface VerifyOptions {
    /** How istiod's debug endpoints are read (multi-cluster checks); default: in istiod's pod, through kubectl exec. */
    readonly istiodDebug?: IstiodDebugReader;
}

export function verifyCluster(settings: MeshSettings, now: Date = new Date(), options: VerifyOptions = {}): CheckResult[] {
    const results: CheckResult[] = [];
    for (const revision of settings.istio.revisions) {
        results.push(istiodReady(revision.name, deployment(`istiod-${revision.name}`, settings.namespace)));
    }
    const invalid = createDryRun({ ...INVALID_GATEWAY, metadata: { ...INVALID_GATEWAY.metadata, namespace: settings.namespace } }, settings.namespace);
    const outcome: DryRunOutcome = invalid.created ? { created: true } : { created: false, message: invalid.message };
    results.push(validationAnswers(outcome));
    for (const namespace of settings.namespaces.filter((entry) => entry.dataplane === "sidecar")) {
        results.push(
            injectedBy(namespace.name, resolveRevision(namespace.target, settings.istio.tags), settings.interception.mode, dryRunPod(namespace.name)),
        );
    }
    if (settings.dataPlane.mode === "ambient" || settings.gatewayApi.crds !== "none") {
        results.push(...verifyAmbient(ambientVerifyInputs(settings)));
    }
    results.push(...caChain(settings.pki.enabled ? secretFiles(settings.namespace) : undefined, now));
    // Multi-cluster: the peers synced by every istiod, one root for all, the east-west gateway's address.
    results.push(...verifyMultiCluster(settings, options.istiodDebug ?? execIstiodDebug(settings.namespace)));
    // Which pods run which revision's proxies, and which need a restart to follow their namespace's tag.
    const expected = Object.fromEntries(settings.namespaces.map((namespace) => [namespace.name, resolveRevision(namespace.target, settings.istio.tags)]));
    results.push(...censusChecks(readLiveMesh({}, settings.namespace, () => true), expected));
    return results;
}
