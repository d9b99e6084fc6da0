/**
 * The policies of the mesh's policy pack. Each reads the stack's resources (see resources.ts) and reports what the
 * pure checks of rules.ts find, on the resource at fault. Enforcement is the pack's: mandatory on prod, advisory on
 * every other stack; a policy pack configuration (`--policy-pack-config`) may still override a policy's level.
 */
import type { PolicyPackArgs, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import {
    chartValues,
    defaultPeerAuthentications,
    egressGateways,
    hasPeerAuthentications,
    istiodValues,
    istiodWorkloads,
    PRIVATE_KEY_TYPE,
    rootNamespace,
    StackResource,
    workloads,
} from "./resources";
import {
    caKeyIssues,
    chartTagIssues,
    containerImageIssues,
    egressIssues,
    enforcementFor,
    istiodAvailabilityIssues,
    mtlsIssues,
    PrivateKeyFacts,
    stackOfUrn,
} from "./rules";

/** The stack validation function of a policy, with only the arguments it reads. */
export type StackCheck = (args: Pick<StackValidationArgs, "resources">, reportViolation: ReportViolation) => void;

function resourcesOf(args: Pick<StackValidationArgs, "resources">): StackResource[] {
    return args.resources;
}

/** When istiod is installed but none of its chart values can be read, the rules that need them cannot pass. */
function unreadableIstiod(resources: readonly StackResource[], report: ReportViolation): boolean {
    if (istiodValues(resources).length > 0) {
        return false;
    }
    for (const istiod of istiodWorkloads(resources)) {
        report(
            `cannot check istiod ${istiod.namespace}/${istiod.name}: the values its chart was rendered with are not in the ` +
                "stack (Istio's istiod chart records them in its values ConfigMap). Fix: install Istio's own istiod chart " +
                "(mesh.charts unset, or a mirror of Istio's charts)",
            istiod.urn,
        );
    }
    return true;
}

export const strictMtls: StackCheck = (args, report) => {
    const resources = resourcesOf(args);
    const values = istiodValues(resources);
    const istiods = istiodWorkloads(resources);
    if (values.length === 0 && istiods.length === 0 && !hasPeerAuthentications(resources)) {
        return; // no mesh in this stack
    }
    const namespace = rootNamespace(values, istiods);
    const meshWide = defaultPeerAuthentications(resources, namespace);
    for (const issue of mtlsIssues(namespace, meshWide)) {
        const culprit = meshWide.find((policy) => issue.startsWith(`PeerAuthentication ${policy.namespace}/${policy.name} `));
        report(issue, culprit?.urn);
    }
};

export const istiodAvailability: StackCheck = (args, report) => {
    const resources = resourcesOf(args);
    if (unreadableIstiod(resources, report)) {
        return;
    }
    for (const source of istiodValues(resources)) {
        istiodAvailabilityIssues(source.what, source.values).forEach((issue) => report(issue, source.urn));
    }
};

export const registryOnlyNeedsEgressGateway: StackCheck = (args, report) => {
    const resources = resourcesOf(args);
    if (unreadableIstiod(resources, report)) {
        return;
    }
    const gateways = egressGateways(resources);
    for (const source of istiodValues(resources)) {
        egressIssues(source.what, source.values, gateways).forEach((issue) => report(issue, source.urn));
    }
};

export const caKeyStrength: StackCheck = (args, report) => {
    for (const key of resourcesOf(args).filter((resource) => resource.type === PRIVATE_KEY_TYPE)) {
        const facts: PrivateKeyFacts = { algorithm: key.props.algorithm, rsaBits: key.props.rsaBits, ecdsaCurve: key.props.ecdsaCurve };
        caKeyIssues(`CA key ${key.name}`, facts, stackOfUrn(key.urn)).forEach((issue) => report(issue, key.urn));
    }
};

export const pinnedImageTags: StackCheck = (args, report) => {
    const resources = resourcesOf(args);
    for (const source of istiodValues(resources)) {
        chartTagIssues(source.what, source.values.global?.tag).forEach((issue) => report(issue, source.urn));
    }
    for (const source of [...chartValues(resources, "cni"), ...chartValues(resources, "gateway")]) {
        const global = source.values.global;
        // The gateway chart's pods take their image from the injector, so a gateway chart may have no tag at all.
        if (source.what.startsWith("cni") || (global !== null && typeof global === "object" && "tag" in global)) {
            chartTagIssues(source.what, (global as { tag?: unknown } | undefined)?.tag).forEach((issue) => report(issue, source.urn));
        }
    }
    for (const workload of workloads(resources)) {
        for (const container of workload.containers) {
            const what = `${workload.kind} ${workload.namespace}/${workload.name} (container ${container.name})`;
            containerImageIssues(what, container.image).forEach((issue) => report(issue, workload.urn));
        }
    }
};

function policy(name: string, description: string, validateStack: StackCheck): StackValidationPolicy {
    return { name, description, validateStack };
}

export const policies: readonly StackValidationPolicy[] = [
    policy("strict-mtls", "The mesh-wide PeerAuthentication requires mutual TLS (STRICT).", strictMtls),
    policy("istiod-availability", "istiod runs at least 2 pods and keeps one during node drains.", istiodAvailability),
    policy("registry-only-needs-egress-gateway", "REGISTRY_ONLY outbound traffic has an egress gateway to leave through.", registryOnlyNeedsEgressGateway),
    policy("ca-key-strength", "CA keys are RSA of 3072 bits or more (2048 outside prod), or ECDSA on P-256 or P-384.", caKeyStrength),
    policy("pinned-image-tags", "Istio's images run a pinned tag, never latest.", pinnedImageTags),
];

/** The pack's arguments for a stack: every policy mandatory on prod, advisory elsewhere. */
export function policyPackArgs(stack: string): PolicyPackArgs {
    return {
        description: "The mesh's production rules: mutual TLS, istiod availability, egress, CA keys, image tags.",
        enforcementLevel: enforcementFor(stack),
        policies: [...policies],
    };
}
