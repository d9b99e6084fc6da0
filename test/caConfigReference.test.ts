/**
 * The CA stack's configuration reference (README: one root for several clusters) against the code: every key the
 * `ca` schema accepts is documented with its default in CaConfiguration's doc comments, the README's table lists
 * exactly those, and a default that is a value is the code's.
 */
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { caSchema, toCaSettings, validCaConfig } from "../components/config/caStack";
import { documentedKeys, readmeRows, schemaKeys } from "./configReference";

const documented = documentedKeys({
    file: path.join(__dirname, "..", "components", "config", "caStack.ts"),
    rootInterface: "CaConfiguration",
    prefix: "ca.",
});
const README = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

describe("the CA stack's configuration reference", () => {
    test("every key the schema accepts is documented with its default, and no other", () => {
        const rows = new Set(documented.map((entry) => entry.key));
        const accepted = schemaKeys(rows, caSchema, "ca.");
        expect(accepted.filter((key) => !rows.has(key))).toEqual([]);
        expect([...rows].filter((key) => !accepted.includes(key))).toEqual([]);
        expect(rows.size).toBeGreaterThan(10);
    });

    test("the README's table lists exactly the documented keys, with the documented defaults", () => {
        const rows = readmeRows(README, "### One root for several clusters", "\n## ");
        const expected = documented.map((entry) => ({ key: entry.key, default: entry.default }));
        expect(rows.sort((a, b) => a.key.localeCompare(b.key))).toEqual(expected.sort((a, b) => a.key.localeCompare(b.key)));
    });

    test("a default written as a value is the code's: setting it explicitly changes no setting", () => {
        const checked: string[] = [];
        for (const entry of documented) {
            const match = /^`([^`]*)`$/.exec(entry.default);
            // A default that names another key (`ca.keyAlgorithm`) is an inheritance, not a value.
            if (match === null || entry.key === "ca.roots" || match[1].startsWith("ca.")) {
                continue;
            }
            const value: unknown = /^[0-9]+$/.test(match[1]) ? Number(match[1]) : match[1];
            const key = entry.key.slice("ca.".length);
            const [explicit, implicit] = key.startsWith("clusters[].")
                ? [{ clusters: [{ name: "east", [key.slice("clusters[].".length)]: value }] }, { clusters: [{ name: "east" }] }]
                : [{ [key]: value }, {}];
            if (!isDeepStrictEqual(toCaSettings(validCaConfig(explicit)), toCaSettings(validCaConfig(implicit)))) {
                throw new Error(`${entry.key}: documented default ${entry.default}, but setting it changes the settings`);
            }
            checked.push(entry.key);
        }
        expect(checked.sort()).toEqual(["ca.clusters[].istioNamespace", "ca.ecdsaCurve", "ca.intermediateRenewBeforeDays", "ca.intermediateValidityDays", "ca.keyAlgorithm", "ca.rootValidityDays"]);
    });
});
