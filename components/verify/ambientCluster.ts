/**
 * Runs the ambient and Gateway API checks against a cluster: reads what each check needs with kubectl, then judges
 * it with ambientChecks.ts.
 */
import { IstioVersion } from "../config/istioVersion";
import { MeshSettings } from "../config/settings";
import { INJECTION_LABEL, namespaceLabels, REVISION_LABEL } from "../enrollment/labels";
import { crdFindings } from "../gatewayapi/crdRules";
import { CRD_LIST_TEMPLATE, parseCrdLines } from "../gatewayapi/liveCrds";
import { ciliumLeavesIstioCni, Condition, crdVersionsWatched, DaemonSetStatus, gatewayProgrammed, namespaceLabeled, notInjected, readyOnEveryNode } from "./ambientChecks";
import { CheckResult, DryRunPod } from "./checks";
import { find, getJson, kubectl, kubectlError, KubeObject } from "./kubectl";

export interface AmbientVerifyInputs {
    /** ztunnel's and the CNI agent's namespaces; undefined when the mesh runs no such agent. */
    readonly ztunnelNamespace?: string;
    readonly cniNamespace?: string;
    /** Namespaces and the labels they must carry, and those they must not. */
    readonly namespaces: readonly { readonly name: string; readonly labels: Readonly<Record<string, string>>; readonly forbidden: readonly string[]; readonly ambient: boolean }[];
    readonly waypoints: readonly { readonly name: string; readonly namespace: string }[];
    readonly gateways: readonly { readonly name: string; readonly namespace: string }[];
    /** Every istiod revision's release, when the Gateway API is in use. */
    readonly gatewayApiIstiodVersions?: readonly IstioVersion[];
}

function daemonSet(name: string, namespace: string): DaemonSetStatus | undefined {
    const object = find("daemonset", name, namespace) as (KubeObject & { status?: DaemonSetStatus }) | undefined;
    return object === undefined ? undefined : { desiredNumberScheduled: object.status?.desiredNumberScheduled ?? 0, numberReady: object.status?.numberReady ?? 0 };
}

function conditions(name: string, namespace: string): Condition[] | undefined {
    const object = find("gateways.gateway.networking.k8s.io", name, namespace) as (KubeObject & { status?: { conditions?: Condition[] } }) | undefined;
    return object === undefined ? undefined : (object.status?.conditions ?? []);
}

/** A pod made with a server-side dry run in the namespace: admission runs (the injector), nothing is stored. */
export function dryRunPodIn(namespace: string): DryRunPod {
    try {
        const created = kubectl(
            ["create", "--dry-run=server", "-o", "json", "-n", namespace, "-f", "-"],
            JSON.stringify({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "mesh-verify", namespace, labels: { app: "mesh-verify" } },
                spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
            }),
        );
        const pod = JSON.parse(created) as { spec: { containers: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] } };
        const init = pod.spec.initContainers ?? [];
        return {
            containers: pod.spec.containers.map((container) => container.name),
            initContainers: init.map((container) => container.name),
            sidecars: init.filter((container) => container.restartPolicy === "Always").map((container) => container.name),
        };
    } catch (error) {
        return { containers: [], initContainers: [], sidecars: [], error: kubectlError(error) };
    }
}

export function verifyAmbient(inputs: AmbientVerifyInputs): CheckResult[] {
    const results: CheckResult[] = [];
    const nodes = getJson<{ items: unknown[] }>(["nodes"]).items.length;
    if (inputs.cniNamespace !== undefined) {
        results.push(readyOnEveryNode("istio-cni-node", inputs.cniNamespace, daemonSet("istio-cni-node", inputs.cniNamespace), nodes));
        const cilium = find("configmap", "cilium-config", "kube-system") as (KubeObject & { data?: Record<string, string> }) | undefined;
        const ciliumResult = ciliumLeavesIstioCni(cilium === undefined ? undefined : (cilium.data ?? {}));
        if (ciliumResult !== undefined) {
            results.push(ciliumResult);
        }
    }
    if (inputs.ztunnelNamespace !== undefined) {
        results.push(readyOnEveryNode("ztunnel", inputs.ztunnelNamespace, daemonSet("ztunnel", inputs.ztunnelNamespace), nodes));
    }
    if (inputs.gatewayApiIstiodVersions !== undefined) {
        const live = parseCrdLines(kubectl(["get", "customresourcedefinitions", "-o", `go-template=${CRD_LIST_TEMPLATE}`]));
        const findings = crdFindings({ plan: { mode: "external" }, istiodVersions: inputs.gatewayApiIstiodVersions, requiredCrds: ["gateways.gateway.networking.k8s.io"] }, live);
        const versions = [...new Set(live.map((crd) => crd.bundleVersion ?? "unversioned"))].join(", ");
        results.push(...crdVersionsWatched(findings, `${live.length} CRDs at ${versions}`));
    }
    for (const namespace of inputs.namespaces) {
        const object = find("namespace", namespace.name);
        results.push(namespaceLabeled(namespace.name, namespace.labels, namespace.forbidden, object === undefined ? undefined : (object.metadata.labels ?? {})));
        if (namespace.ambient) {
            results.push(notInjected(namespace.name, dryRunPodIn(namespace.name)));
        }
    }
    for (const waypoint of inputs.waypoints) {
        results.push(gatewayProgrammed("waypoint", waypoint.namespace, waypoint.name, conditions(waypoint.name, waypoint.namespace)));
    }
    for (const gateway of inputs.gateways) {
        results.push(gatewayProgrammed("Gateway", gateway.namespace, gateway.name, conditions(gateway.name, gateway.namespace)));
    }
    return results;
}

/** What the ambient and Gateway API checks look for, from the stack's settings. */
export function ambientVerifyInputs(settings: MeshSettings): AmbientVerifyInputs {
    const ambient = settings.dataPlane.mode === "ambient" ? settings.dataPlane : undefined;
    return {
        ztunnelNamespace: ambient?.ztunnel.namespace,
        cniNamespace: settings.interception.mode === "cni" ? settings.interception.cni.namespace : undefined,
        namespaces: settings.namespaces
            .filter((namespace) => namespace.dataplane === "ambient")
            .map((namespace) => ({ name: namespace.name, labels: namespaceLabels(namespace), forbidden: [INJECTION_LABEL, REVISION_LABEL], ambient: true })),
        waypoints: settings.namespaces.flatMap((namespace) => (namespace.waypoint !== undefined ? [{ name: namespace.waypoint.name, namespace: namespace.name }] : [])),
        gateways: settings.gateways.filter((gateway) => gateway.gatewayClass !== undefined).map((gateway) => ({ name: gateway.name, namespace: gateway.namespace })),
        ...(settings.gatewayApi.crds !== "none" ? { gatewayApiIstiodVersions: settings.istio.revisions.map((revision) => revision.version) } : {}),
    };
}
