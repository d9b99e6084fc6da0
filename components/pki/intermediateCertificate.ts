/**
 * The cluster's intermediate CA certificate as a resource: signed by signing.ts (pathlen 0, which the tls provider
 * cannot write), re-issued when its request or signer changes, and renewed by the first up inside its renewal window,
 * as tls.LocallySignedCert's early renewal does.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { IntermediateSigningInputs, SignedIntermediate, signIntermediate } from "./signing";

interface State extends SignedIntermediate {
    readonly certRequestPem: string;
    readonly caCertPem: string;
    readonly validityPeriodHours: number;
    readonly earlyRenewalHours: number;
    readonly dnsNames: readonly string[];
    /** A digest of the CA key, to notice a new signer without keeping its key in the outputs. */
    readonly caKeyDigest: string;
}

type Inputs = IntermediateSigningInputs & { readonly earlyRenewalHours: number };

export interface IntermediateCertificateArgs {
    readonly certRequestPem: pulumi.Input<string>;
    readonly caCertPem: pulumi.Input<string>;
    readonly caPrivateKeyPem: pulumi.Input<string>;
    readonly validityPeriodHours: pulumi.Input<number>;
    readonly earlyRenewalHours: pulumi.Input<number>;
    readonly dnsNames: pulumi.Input<pulumi.Input<string>[]>;
}

/** True once `now` is inside the renewal window before the certificate's end. Pure. */
export function renewalDue(validityEndTime: string, earlyRenewalHours: number, now: Date): boolean {
    return new Date(validityEndTime).getTime() - earlyRenewalHours * 3_600_000 <= now.getTime();
}

function keyDigest(privateKeyPem: string): string {
    return createHash("sha256").update(privateKeyPem).digest("hex");
}

/** The inputs whose change re-issues the certificate. Pure. */
export function reissueReasons(olds: State, news: Inputs, now: Date): string[] {
    const reasons: string[] = [];
    if (olds.certRequestPem !== news.certRequestPem) reasons.push("certRequestPem");
    if (olds.caCertPem !== news.caCertPem) reasons.push("caCertPem");
    if (olds.caKeyDigest !== keyDigest(news.caPrivateKeyPem)) reasons.push("caPrivateKeyPem");
    if (olds.validityPeriodHours !== news.validityPeriodHours) reasons.push("validityPeriodHours");
    if (JSON.stringify(olds.dnsNames) !== JSON.stringify(news.dnsNames)) reasons.push("dnsNames");
    if (renewalDue(olds.validityEndTime, news.earlyRenewalHours, now)) reasons.push("validityEndTime");
    return reasons;
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
        const signed = await signIntermediate(inputs);
        const state: State = {
            ...signed,
            certRequestPem: inputs.certRequestPem,
            caCertPem: inputs.caCertPem,
            validityPeriodHours: inputs.validityPeriodHours,
            earlyRenewalHours: inputs.earlyRenewalHours,
            dnsNames: inputs.dnsNames,
            caKeyDigest: keyDigest(inputs.caPrivateKeyPem),
        };
        return { id: createHash("sha256").update(signed.certPem).digest("hex").slice(0, 32), outs: state };
    },
    async diff(_id: string, olds: State, news: Inputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = reissueReasons(olds, news, new Date());
        const renewalWindowChanged = olds.earlyRenewalHours !== news.earlyRenewalHours;
        return { changes: replaces.length > 0 || renewalWindowChanged, replaces, deleteBeforeReplace: false };
    },
    async update(_id: string, olds: State, news: Inputs): Promise<pulumi.dynamic.UpdateResult> {
        // Only the renewal window can change without a new certificate.
        return { outs: { ...olds, earlyRenewalHours: news.earlyRenewalHours } };
    },
};

export class IntermediateCertificate extends pulumi.dynamic.Resource {
    declare readonly certPem: pulumi.Output<string>;
    declare readonly validityEndTime: pulumi.Output<string>;

    constructor(name: string, args: IntermediateCertificateArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            { ...args, caPrivateKeyPem: pulumi.secret(args.caPrivateKeyPem), certPem: undefined, validityStartTime: undefined, validityEndTime: undefined, caKeyDigest: undefined },
            opts,
            "pki",
            "IntermediateCertificate",
        );
    }
}
