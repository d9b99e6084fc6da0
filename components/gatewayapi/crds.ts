/**
 * The Gateway API CRDs as part of the stack: the Gateway API project's release manifest (standard channel, or
 * experimental) at the version the Istio release builds against, applied server-side before istiod; or, for CRDs that
 * another owner manages, only checked. Either way the cluster's CRDs are read first and the rules of crdRules.ts
 * decide, before anything is registered: an older pin over newer live CRDs is an error that names both versions.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IstioVersion } from "../config/istioVersion";
import { CrdPlan, crdFindings } from "./crdRules";
import { LiveCrdReader } from "./liveCrds";
import { releaseManifestUrl } from "./versions";

export interface GatewayApiCrdsArgs {
    readonly plan: CrdPlan;
    /**
     * Managed only: a path or URL of the release manifest (all CRDs of the channel in one file, as the Gateway API
     * project publishes it), for air-gapped clusters; default: the official release manifest of the version.
     */
    readonly manifest?: string;
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

    /** What istiod and every Gateway API object depend on: the applied manifest, or nothing when external. */
    readonly ready: pulumi.Resource[];
    /** The bundle version applied, or "external". */
    readonly version: string;

    constructor(name: string, args: GatewayApiCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(GatewayApiCrds.__pulumiType, name, {}, opts);
        const findings = crdFindings(
            { plan: args.plan, istiodVersions: args.istiodVersions, requiredCrds: args.requiredCrds },
            args.readLiveCrds(),
        );
        if (findings.errors.length > 0) {
            throw new GatewayApiCrdError(findings.errors);
        }
        for (const warning of findings.warnings) {
            pulumi.log.warn(warning, this);
        }
        const plan = args.plan;
        if (plan.mode === "external") {
            this.ready = [];
            this.version = "external";
        } else {
            const manifest = new k8s.yaml.v2.ConfigFile(
                name,
                { file: args.manifest ?? releaseManifestUrl(plan.version, plan.channel) },
                { parent: this, transforms: [forceOwnershipTransform()] },
            );
            this.ready = [manifest];
            this.version = plan.version.text;
        }
        this.registerOutputs({ version: this.version });
    }
}
