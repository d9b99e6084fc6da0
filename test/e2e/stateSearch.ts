/**
 * Searching an exported state (`pulumi stack export`, with or without `--show-secrets`) for key material: which private
 * keys it holds, and how often one of them appears. The suites that prove where a root's key is, and is not, use it.
 */

/** A PEM's base64 body on one line: how it is compared, whatever its line breaks became. */
export function pemBody(pem: string): string {
    return pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
}

/** The exported text with every line break and its JSON escapes removed: a grep that sees a PEM body across lines. */
export function flattened(exported: string): string {
    return exported.replace(/\\+n/g, "").replace(/\s+/g, "");
}

/**
 * Every string of a JSON value, with the plaintext of each secret (`--show-secrets`) parsed and walked too, and the
 * decoded text of a base64 value that holds PEM (a Secret's `data`).
 */
export function stringsIn(value: unknown): string[] {
    if (typeof value === "string") {
        const decoded = /^[A-Za-z0-9+/]{64,}={0,2}$/.test(value) ? Buffer.from(value, "base64").toString("utf8") : "";
        return decoded.includes("-----BEGIN") ? [value, decoded] : [value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(stringsIn);
    }
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (typeof record.plaintext === "string") {
            return stringsIn(JSON.parse(record.plaintext));
        }
        return Object.values(record).flatMap(stringsIn);
    }
    return [];
}

/** The body of every PEM private key anywhere in an exported state (decoded secrets and base64 Secret data included). */
export function privateKeyBodies(exported: string): string[] {
    return stringsIn(JSON.parse(exported)).flatMap((text) =>
        [...text.matchAll(/-----BEGIN (?:EC |RSA )?PRIVATE KEY-----([\s\S]+?)-----END/g)].map((match) => match[1].replace(/\s+/g, "")),
    );
}

/** How often a key body is in an exported state: as a PEM private key (decoded), and in its flattened text. */
export function keyCount(exported: string, keyBody: string): { decoded: number; text: number } {
    return {
        decoded: privateKeyBodies(exported).filter((body) => body === keyBody).length,
        text: flattened(exported).split(keyBody).length - 1,
    };
}
