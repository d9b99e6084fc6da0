/**
 * The Gateway API CRDs as part of the stack: the Gateway API project's release manifest (standard channel, or
 * experimental) at the version the Istio release builds against, applied server-side before istiod; or, for CRDs that
 * another owner manages, only checked. Either way the cluster's CRDs are read first and the rules of crdRules.ts
 * decide (gatewayApiPreflight), before anything is registered: an older pin over newer live CRDs is an error that
 * names both versions.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IstioVersion } from "../config/istioVersion";
import { CrdPlan, crdFindings } from "./crdRules";
import { LiveCrdReader } from "./liveCrds";
import { BundleVersion, GatewayApiChannel, releaseManifestUrl } from "./versions";

export interface GatewayApiCrdsArgs {
    /** The release and channel to apply. */
    readonly version: BundleVersion;
    readonly channel: GatewayApiChannel;
    /**
     * A path or URL of the release manifest (all CRDs of the channel in one file, as the Gateway API project
     * publishes it), for air-gapped clusters; default: the official release manifest of the version.
     */
    readonly manifest?: string;
}

export interface CrdPreflightArgs {
    readonly plan: CrdPlan;
    /** Every istiod revision's release, whose minimum versions the CRDs must meet. */
    readonly istiodVersions: readonly IstioVersion[];
    /** CRDs that the stack's Gateway API objects need (checked in external mode). */
    readonly requiredCrds: readonly string[];
    /** Reads the cluster's Gateway API CRDs. */
    readonly readLiveCrds: LiveCrdReader;
}

/** A finding that stops the stack; its message alone is what the person running it needs. */
export class GatewayApiCrdError extends Error {
    constructor(problems: readonly string[]) {
        super(
            `Gateway API CRDs (${problems.length === 1 ? "1 problem" : `${problems.length} problems`}); nothing was changed:\n` +
                problems.map((problem) => `  - ${problem}`).join("\n"),
        );
        this.name = "GatewayApiCrdError";
        this.stack = `${this.name}: ${this.message}`;
    }
}

/**
 * Reads the cluster's Gateway API CRDs and applies the rules, before anything of the stack is registered: throws
 * GatewayApiCrdError on a finding that must stop the stack, returns the warnings.
 */
export function gatewayApiPreflight(args: CrdPreflightArgs): readonly string[] {
    const findings = crdFindings({ plan: args.plan, istiodVersions: args.istiodVersions, requiredCrds: args.requiredCrds }, args.readLiveCrds());
    if (findings.errors.length > 0) {
        throw new GatewayApiCrdError(findings.errors);
    }
    return findings.warnings;
}

/** The server-side apply field manager takes the CRDs over from whoever applied them before (kubectl, Helm). */
export const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

/** Adds the force annotation to every object of the manifest. Pure on its input; returns undefined for others. */
export function forceOwnershipTransform(): pulumi.ResourceTransform {
    return (args) => {
        if (!args.type.startsWith("kubernetes:") || args.type.startsWith("kubernetes:yaml")) {
            return undefined;
        }
        const props = args.props as { metadata?: { annotations?: Record<string, string> } };
        return {
            props: { ...props, metadata: { ...props.metadata, annotations: { ...props.metadata?.annotations, [PATCH_FORCE_ANNOTATION]: "true" } } },
            opts: args.opts,
        };
    };
}

export class GatewayApiCrds extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:gatewayapi:Crds";

    static isInstance(obj: unknown): obj is GatewayApiCrds {
        return obj instanceof GatewayApiCrds;
    }

    /** The applied manifest: istiod and every Gateway API object depend on it. */
    readonly manifest: k8s.yaml.v2.ConfigFile;
    readonly version: string;

    /** Run gatewayApiPreflight first; pass Istio's base chart in `dependsOn` (Istio's order: base, then these CRDs). */
    constructor(name: string, args: GatewayApiCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(GatewayApiCrds.__pulumiType, name, {}, opts);
        this.manifest = new k8s.yaml.v2.ConfigFile(
            name,
            { file: args.manifest ?? releaseManifestUrl(args.version, args.channel) },
            { parent: this, transforms: [forceOwnershipTransform()] },
        );
        this.version = args.version.text;
        this.registerOutputs({ version: this.version });
    }
}
