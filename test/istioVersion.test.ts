import { isAtLeastLine, isSupportedLine, parseIstioVersion, revisionForVersion } from "../components/config/istioVersion";

describe("Istio versions", () => {
    test("parses a release and a pre-release", () => {
        expect(parseIstioVersion("1.30.3")).toEqual({ major: 1, minor: 30, patch: 3, preRelease: undefined, text: "1.30.3" });
        expect(parseIstioVersion("1.31.0-rc.0")).toEqual({ major: 1, minor: 31, patch: 0, preRelease: "rc.0", text: "1.31.0-rc.0" });
    });

    test.each(["v1.30.3", "1.30", "1.30.x", "~1.30.0", "1.30.3-", ""])("rejects %j", (text) => {
        expect(parseIstioVersion(text)).toBeUndefined();
    });

    test("supports exactly the 1.29, 1.30 and 1.31 lines", () => {
        const supported = ["1.28.9", "1.29.0", "1.30.3", "1.31.0", "1.32.0", "2.30.0"].filter((text) =>
            isSupportedLine(parseIstioVersion(text)!),
        );
        expect(supported).toEqual(["1.29.0", "1.30.3", "1.31.0"]);
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
