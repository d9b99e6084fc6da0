/**
 * What Node's X509Certificate does not expose: the basicConstraints and keyUsage extensions, with their criticality,
 * read from the certificate's DER.
 */
import { X509Certificate } from "crypto";

interface Tlv {
    readonly tag: number;
    readonly content: Buffer;
    readonly end: number;
}

function readTlv(buffer: Buffer, offset: number): Tlv {
    const tag = buffer[offset];
    let length = buffer[offset + 1];
    let start = offset + 2;
    if (length & 0x80) {
        const bytes = length & 0x7f;
        length = 0;
        for (let index = 0; index < bytes; index++) {
            length = length * 256 + buffer[start + index];
        }
        start += bytes;
    }
    return { tag, content: buffer.subarray(start, start + length), end: start + length };
}

function children(buffer: Buffer): Tlv[] {
    const items: Tlv[] = [];
    for (let offset = 0; offset < buffer.length; ) {
        const item = readTlv(buffer, offset);
        items.push(item);
        offset = item.end;
    }
    return items;
}

const OID_BASIC_CONSTRAINTS = "551d13";
const OID_KEY_USAGE = "551d0f";

export interface Extension {
    readonly critical: boolean;
    readonly value: Buffer;
}

function extensions(certificate: X509Certificate): Map<string, Extension> {
    const [tbs] = children(readTlv(certificate.raw, 0).content);
    const explicitExtensions = children(tbs.content).find((item) => item.tag === 0xa3);
    const found = new Map<string, Extension>();
    if (explicitExtensions === undefined) {
        return found;
    }
    for (const extension of children(readTlv(explicitExtensions.content, 0).content)) {
        const [oid, ...rest] = children(extension.content);
        const critical = rest.length === 2 && rest[0].content[0] !== 0;
        found.set(oid.content.toString("hex"), { critical, value: rest[rest.length - 1].content });
    }
    return found;
}

export interface BasicConstraints {
    readonly critical: boolean;
    readonly ca: boolean;
    /** undefined when the certificate sets no path length. */
    readonly pathLength?: number;
}

export function basicConstraints(certificate: X509Certificate): BasicConstraints | undefined {
    const extension = extensions(certificate).get(OID_BASIC_CONSTRAINTS);
    if (extension === undefined) {
        return undefined;
    }
    const fields = children(readTlv(extension.value, 0).content);
    const ca = fields.find((field) => field.tag === 0x01);
    const pathLength = fields.find((field) => field.tag === 0x02);
    return {
        critical: extension.critical,
        ca: ca !== undefined && ca.content[0] !== 0,
        pathLength: pathLength === undefined ? undefined : pathLength.content.readUIntBE(0, pathLength.content.length),
    };
}

const KEY_USAGE_BITS = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
] as const;

export function keyUsage(certificate: X509Certificate): { critical: boolean; usages: string[] } | undefined {
    const extension = extensions(certificate).get(OID_KEY_USAGE);
    if (extension === undefined) {
        return undefined;
    }
    const bits = readTlv(extension.value, 0).content.subarray(1);
    const usages = KEY_USAGE_BITS.filter((_name, index) => (bits[index >> 3] ?? 0) & (0x80 >> (index & 7)));
    return { critical: extension.critical, usages: [...usages] };
}

/** Splits a PEM bundle into certificates. */
export function certificatesIn(bundle: string): X509Certificate[] {
    return (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));
}
