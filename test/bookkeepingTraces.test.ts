/** The SDK's promise bookkeeping traces left unmapped (components/program/bookkeepingTraces.ts). */
import { bookkeepingUnmapped } from "../components/program/bookkeepingTraces";

const frame = (file: string, line: number): NodeJS.CallSite => ({ getFileName: () => file, toString: () => `${file}:${line}:1` }) as unknown as NodeJS.CallSite;
const mapped = (error: Error, frames: NodeJS.CallSite[]) => `mapped ${error.message} ${frames.length}`;
const SDK = "/app/node_modules/@pulumi/pulumi/runtime/debuggable.js";

describe("bookkeepingUnmapped", () => {
    test("the SDK's promise bookkeeping gets the message alone; every other trace is mapped", () => {
        const prepare = bookkeepingUnmapped(mapped, false);
        expect(prepare(new Error("m"), [frame(SDK, 253), frame("/app/index.ts", 3)])).toBe("Error: m");
        expect(prepare(new Error("boom"), [frame("/app/components/mesh.ts", 10), frame(SDK, 253)])).toBe("mapped boom 2");
        expect(prepare(new Error("empty"), [])).toBe("mapped empty 0");
        expect(prepare(new Error("resource"), [frame("/app/node_modules/@pulumi/pulumi/resource.js", 312)])).toBe("mapped resource 1");
    });

    test("with PULUMI_DEBUG_PROMISE_LEAKS the bookkeeping keeps its frames, unmapped", () => {
        const prepare = bookkeepingUnmapped(mapped, true);
        expect(prepare(new Error("m"), [frame(SDK, 253), frame("/app/index.ts", 3)])).toBe(`Error: m\n    at ${SDK}:253:1\n    at /app/index.ts:3:1`);
    });
});
