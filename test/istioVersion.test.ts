import {
    isAtLeastLine,
    isKnownLine,
    isSupportedLine,
    ISTIO_SUPPORT_CALENDAR,
    lineSupportIssues,
    parseIstioVersion,
    revisionForVersion,
    supportedIstioLines,
} from "../components/config/istioVersion";

import { parseMeshConfig } from "../components/config/load";

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe("Istio versions", () => {
    test("parses a release and a pre-release", () => {
        expect(parseIstioVersion("1.30.3")).toEqual({ major: 1, minor: 30, patch: 3, preRelease: undefined, text: "1.30.3" });
        expect(parseIstioVersion("1.31.0-rc.0")).toEqual({ major: 1, minor: 31, patch: 0, preRelease: "rc.0", text: "1.31.0-rc.0" });
    });

    test.each(["v1.30.3", "1.30", "1.30.x", "~1.30.0", "1.30.3-", ""])("rejects %j", (text) => {
        expect(parseIstioVersion(text)).toBeUndefined();
    });

    test("knows the 1.29, 1.30 and 1.31 lines", () => {
        const known = ["1.28.9", "1.29.0", "1.30.3", "1.31.0", "1.32.0", "2.30.0"].filter((text) => isKnownLine(parseIstioVersion(text)!));
        expect(known).toEqual(["1.29.0", "1.30.3", "1.31.0"]);
    });

    test("follows Istio's support calendar: 1.29 ended on 2026-10-15, 1.30 and 1.31 have no end of life yet", () => {
        expect(ISTIO_SUPPORT_CALENDAR).toEqual([
            { line: "1.29", released: "2026-02-16", endOfLife: "2026-10-15" },
            { line: "1.30", released: "2026-05-18" },
            { line: "1.31", released: "2026-08-31" },
        ]);
        expect(supportedIstioLines(day("2026-10-14"))).toEqual(["1.29", "1.30", "1.31"]);
        expect(supportedIstioLines(day("2026-10-15"))).toEqual(["1.30", "1.31"]);
        expect(isSupportedLine(parseIstioVersion("1.29.9")!, day("2026-10-14"))).toBe(true);
        expect(isSupportedLine(parseIstioVersion("1.29.9")!, day("2026-12-01"))).toBe(false);
        expect(isSupportedLine(parseIstioVersion("1.30.3")!, day("2026-12-01"))).toBe(true);
        expect(isSupportedLine(parseIstioVersion("1.32.0")!, day("2026-12-01"))).toBe(false);
    });

    test("a version past its end of life is refused with the date and the fix", () => {
        expect(lineSupportIssues({ version: "1.29.6" }, day("2026-12-01"))).toEqual([
            {
                path: ["istio", "version"],
                given: "1.29.6",
                message:
                    "Istio 1.29 reached its end of life on 2026-10-15 (Istio's support calendar); allowed: a release on the " +
                    '1.30, 1.31 lines. Fix: upgrade with a canary (README "Upgrades"): istio.revisions: [{version: "1.29.6"}, ' +
                    '{version: "1.31.0"}], then move the tags and remove 1.29.6',
            },
        ]);
        expect(lineSupportIssues({ version: "1.29.6" }, day("2026-10-14"))).toEqual([]);
        expect(lineSupportIssues({ version: "1.30.3" }, day("2026-12-01"))).toEqual([]);
    });

    test("a revision past its end of life is allowed beside a supported one (a canary upgrade off it), not alone", () => {
        expect(lineSupportIssues({ revisions: [{ version: "1.29.6" }, { version: "1.30.3" }] }, day("2026-12-01"))).toEqual([]);
        expect(
            lineSupportIssues({ revisions: [{ version: "1.29.6" }, { version: "1.29.9" }] }, day("2026-12-01")).map((issue) => [issue.path, issue.given]),
        ).toEqual([
            [["istio", "revisions", 0, "version"], "1.29.6"],
            [["istio", "revisions", 1, "version"], "1.29.9"],
        ]);
    });

    test("compares lines", () => {
        expect(isAtLeastLine(parseIstioVersion("1.31.0-rc.0")!, "1.31")).toBe(true);
        expect(isAtLeastLine(parseIstioVersion("1.30.9")!, "1.31")).toBe(false);
        expect(isAtLeastLine(parseIstioVersion("2.0.0")!, "1.31")).toBe(true);
    });

    test("derives DNS-1123 revisions", () => {
        expect(revisionForVersion(parseIstioVersion("1.29.6")!)).toBe("1-29-6");
        expect(revisionForVersion(parseIstioVersion("1.31.0-beta.1")!)).toBe("1-31-0-beta-1");
    });
});

describe("the configuration refuses a line past its end of life", () => {
    test("istio.version on 1.29 is refused today, with the date and the fix; beside a supported revision it is allowed", () => {
        // Istio's calendar puts 1.29's end of life on 2026-10-15, before any day these tests run.
        expect(() => parseMeshConfig({ istio: { version: "1.29.6" } })).toThrow(
            'mesh.istio.version: got "1.29.6"; Istio 1.29 reached its end of life on 2026-10-15',
        );
        expect(parseMeshConfig({ istio: { revisions: [{ version: "1.29.6" }, { version: "1.30.3" }], tags: { default: "1-29-6" } } }).istio.revisions.map((r) => r.name)).toEqual([
            "1-29-6",
            "1-30-3",
        ]);
    });
});
