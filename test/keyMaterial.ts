/**
 * Private keys for the tests that sign and verify real certificates, made by openssl (not by the code under test)
 * once and shared: RSA key generation alone took seconds per test on a loaded machine. The global setup
 * (test/jest/globalSetup.ts) makes the missing ones before the tests start; tests read them with `keyPem`.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

/** The openssl command that makes each key. */
export const KEYS = {
    "ecdsa-p384": ["ecparam", "-name", "secp384r1", "-genkey", "-noout"],
    "ecdsa-p256": ["ecparam", "-name", "prime256v1", "-genkey", "-noout"],
    "ecdsa-p256-other": ["ecparam", "-name", "prime256v1", "-genkey", "-noout"],
    "ecdsa-p256-third": ["ecparam", "-name", "prime256v1", "-genkey", "-noout"],
    "rsa-3072": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
    "rsa-3072-other": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
} as const;

export type KeyName = keyof typeof KEYS;

/**
 * Where the keys are kept: under node_modules/.cache, so a checkout makes them once and `npm ci` starts afresh.
 * MESH_TEST_KEYS_DIR overrides it.
 */
export function keyDirectory(): string {
    return process.env.MESH_TEST_KEYS_DIR ?? path.join(__dirname, "..", "node_modules", ".cache", "mesh-test-keys");
}

/** The path of a key's PEM file. */
export function keyFile(name: KeyName): string {
    return path.join(keyDirectory(), `${name}.pem`);
}

/** A key's PEM; the global setup made it. */
export function keyPem(name: KeyName): string {
    return fs.readFileSync(keyFile(name), "utf8");
}

/** Makes the keys that are missing, all at once (openssl runs in parallel). */
export async function ensureKeys(): Promise<void> {
    fs.mkdirSync(keyDirectory(), { recursive: true });
    const missing = (Object.keys(KEYS) as KeyName[]).filter((name) => !fs.existsSync(keyFile(name)));
    await Promise.all(
        missing.map(async (name) => {
            // Written beside and renamed: an interrupted run never leaves half a key behind.
            const partial = `${keyFile(name)}.${process.pid}.partial`;
            await promisify(execFile)("openssl", [...KEYS[name], "-out", partial]);
            fs.renameSync(partial, keyFile(name));
        }),
    );
}
