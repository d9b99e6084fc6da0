/**
 * The README's configuration reference against the code: every key the schema accepts is documented with its default
 * in MeshConfiguration's doc comments, the README lists exactly those keys with those defaults, and a default that is
 * a value is the code's (writing it explicitly changes nothing).
 */
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { documentedKeys, readmeRows, schemaKeys } from "./configReference";
import { configWith, settingsWith } from "./fixtures";

const documented = documentedKeys();
const README = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

/** The smallest configuration in which a key of a list item, or of a mode's section, is read. */
const CONTEXTS: readonly [string, Record<string, unknown>, (value: unknown, key: string) => Record<string, unknown>][] = [
    ["namespaces[].", {}, (value, key) => ({ namespaces: [{ name: "shop", [key]: value }] })],
    ["gateways[].", {}, (value, key) => ({ gateways: [{ name: "istio-ingressgateway", kind: "ingress", ...nested(key, value) }] })],
    [
        "egress.allowedHosts[].",
        {},
        (value, key) => ({
            meshConfig: { outboundTrafficPolicy: "REGISTRY_ONLY" },
            gateways: [{ name: "istio-egressgateway", kind: "egress" }],
            egress: { allowedHosts: [{ host: "api.stripe.com", [key]: value }] },
        }),
    ],
    ["interception.cni.", {}, (value, key) => ({ interception: { mode: "cni", cni: nested(key, value) } })],
];

function nested(key: string, value: unknown): Record<string, unknown> {
    return key
        .split(".")
        .reverse()
        .reduce<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

/** Settings with empty maps and lists left out: the charts read an empty one as unset. */
function pruned(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.length === 0 ? undefined : value.map(pruned);
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value).map(([key, inner]) => [key, pruned(inner)] as const).filter(([, inner]) => inner !== undefined);
        return entries.length === 0 ? undefined : Object.fromEntries(entries);
    }
    return value;
}

/** A default written as one value in backticks (`1`, `false`, `TEXT`, `[]`), as the configuration would write it. */
function literalDefault(text: string): { value: unknown } | undefined {
    const match = /^`([^`]*)`$/.exec(text);
    if (match === null) {
        return undefined;
    }
    try {
        return { value: JSON.parse(match[1]) };
    } catch {
        return /^[A-Za-z][\w.-]*$/.test(match[1]) ? { value: match[1] } : undefined;
    }
}

describe("the configuration reference", () => {
    test("every key the schema accepts is documented with its default, and no other", () => {
        const rows = new Set(documented.map((entry) => entry.key));
        const accepted = schemaKeys(rows);
        expect(accepted.filter((key) => !rows.has(key))).toEqual([]);
        expect([...rows].filter((key) => !accepted.includes(key))).toEqual([]);
    });

    test("the README lists exactly the documented keys, with the documented defaults", () => {
        const expected = documented.map((entry) => ({ key: entry.key, default: entry.default }));
        const missing = expected.filter((entry) => !readmeRows(README).some((row) => row.key === entry.key));
        // On a mismatch, the rows to write: `| key | default | why |`.
        const suggestion = documented
            .filter((entry) => missing.some((row) => row.key === entry.key))
            .map((entry) => `| \`${entry.key}\` | ${entry.default.replace(/\|/g, "\\|")} | ${entry.why.replace(/\|/g, "\\|")} |`)
            .join("\n");
        expect(suggestion).toBe("");
        expect(readmeRows(README).sort((a, b) => a.key.localeCompare(b.key))).toEqual(expected.sort((a, b) => a.key.localeCompare(b.key)));
    });

    test("a default written as a value is the code's: setting it explicitly changes no setting", () => {
        const checked: string[] = [];
        for (const entry of documented) {
            const literal = literalDefault(entry.default);
            if (literal === undefined) {
                continue;
            }
            const context = CONTEXTS.find(([prefix]) => entry.key.startsWith(prefix));
            const key = context !== undefined ? entry.key.slice(context[0].length) : entry.key;
            if (key.includes("[]")) {
                continue;
            }
            const patch = context !== undefined ? context[2](literal.value, key) : nested(key, literal.value);
            const without = context !== undefined ? context[2](undefined, key) : {};
            const explicit = settingsWith(patch);
            const implicit = settingsWith(JSON.parse(JSON.stringify(without)) as Record<string, unknown>);
            if (!isDeepStrictEqual(pruned(JSON.parse(JSON.stringify(explicit))), pruned(JSON.parse(JSON.stringify(implicit))))) {
                throw new Error(`${entry.key}: documented default ${entry.default}, but setting it changes the settings (${JSON.stringify(configWith(patch))})`);
            }
            checked.push(entry.key);
        }
        // Most defaults are values; the check must have covered them.
        expect(checked.length).toBeGreaterThan(40);
    });
});
