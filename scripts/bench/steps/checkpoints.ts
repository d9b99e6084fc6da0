/**
 * The engine's floor for big ups: what its per-step checkpoints cost as the state grows, with no cluster, chart or
 * provider. A plain JavaScript program registers N component resources, each holding in the state about what a
 * Namespace holds there (its inputs, the live object and the inputs again), next to an optional "ballast" that holds
 * as much as Istio's CRDs do in the stack: the base chart's CRD objects three times over. Each up is timed with its
 * checkpoints kept, as every up of the stack is; the engine writes the whole state after each step either way.
 *
 * Variants: no ballast; the CRDs as the stack holds them; the CRDs without their `description` texts; and the CRDs
 * with the file backend's metadata side files off (`?metadata=skip` on the backend URL: no MD5 of the whole state
 * file per write).
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { PROJECT_ROOT } from "../../../test/e2e/workspace";
import type { Context } from "../context";
import { isInterrupted, log, required, Sample } from "../processes";
import { growthLine, Point, seconds, StepReport, table } from "../report";
import { BenchStack, stackName } from "../stack";

const FLOOR_PROGRAM = `"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
class Item extends pulumi.ComponentResource {
    constructor(name, held) {
        super("bench:floor:Item", name, {}, {});
        this.registerOutputs(held);
    }
}
const ballast = process.env.FLOOR_BALLAST;
if (ballast) {
    const objects = JSON.parse(fs.readFileSync(ballast, "utf8"));
    new Item("ballast", { inputs: objects, live: objects, liveInputs: objects });
}
for (let i = 0; i < Number(process.env.FLOOR_N); i++) {
    const name = "bench-ns-" + String(i).padStart(4, "0");
    const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "istio.io/rev": "default" } } };
    const live = {
        ...namespace,
        metadata: {
            ...namespace.metadata,
            uid: "00000000-0000-0000-0000-" + String(i).padStart(12, "0"),
            resourceVersion: String(1000 + i),
            creationTimestamp: "2026-01-01T00:00:00Z",
            labels: { ...namespace.metadata.labels, "kubernetes.io/metadata.name": name },
        },
        spec: { finalizers: ["kubernetes"] },
        status: { phase: "Active" },
    };
    new Item(name, { inputs: namespace, live, liveInputs: namespace });
}
`;

interface Variant {
    /** Its name for --floor-variants. */
    readonly name: string;
    readonly label: string;
    readonly ballast?: "crds" | "slim";
    readonly backendQuery?: string;
}

const VARIANTS: readonly Variant[] = [
    { name: "none", label: "no ballast" },
    { name: "crds", label: "CRDs as held now", ballast: "crds" },
    { name: "slim", label: "CRDs without descriptions", ballast: "slim" },
    { name: "skip-metadata", label: "CRDs, backend ?metadata=skip", ballast: "crds", backendQuery: "metadata=skip" },
];

function withoutDescriptions(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(withoutDescriptions);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([key, inner]) => !(key === "description" && typeof inner === "string"))
                .map(([key, inner]) => [key, withoutDescriptions(inner)]),
        );
    }
    return value;
}

/** The base chart's CRD objects (files/crd-all.gen.yaml), as JSON files: as they are, and without descriptions. */
function ballastFiles(context: Context, dir: string): Record<"crds" | "slim", string> | undefined {
    const source = [path.join(context.chartsDir, "base", "files", "crd-all.gen.yaml"), path.join(context.chartsDir, "manifests", "charts", "base", "files", "crd-all.gen.yaml")].find(
        (candidate) => fs.existsSync(candidate),
    );
    if (source === undefined) {
        return undefined;
    }
    const crds = parseAllDocuments(fs.readFileSync(source, "utf8"))
        .map((document) => document.toJSON() as unknown)
        .filter((crd) => crd !== null);
    const files = { crds: path.join(dir, "crds.json"), slim: path.join(dir, "slim.json") };
    fs.writeFileSync(files.crds, JSON.stringify(crds));
    fs.writeFileSync(files.slim, JSON.stringify(withoutDescriptions(crds)));
    return files;
}

export async function checkpointsStep(context: Context): Promise<StepReport> {
    const dir = path.join(context.scratch, "checkpoint-floor");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: bench-checkpoints\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "bench-checkpoints", private: true, main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), FLOOR_PROGRAM);
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
    const ballast = ballastFiles(context, dir);
    const notes: string[] = [];
    if (ballast === undefined) {
        notes.push(`no base chart under ${context.chartsDir}: only the variant without ballast is measured`);
    }
    const rows: string[][] = [];
    const lines: string[] = [];
    const unknown = context.options.floorVariants.filter((name) => !VARIANTS.some((variant) => variant.name === name));
    if (unknown.length > 0) {
        throw new Error(`--floor-variants: unknown ${unknown.join(", ")} (variants: ${VARIANTS.map((variant) => variant.name).join(", ")})`);
    }
    const chosen = VARIANTS.filter((variant) => context.options.floorVariants.includes(variant.name));
    for (const variant of chosen.filter((candidate) => candidate.ballast === undefined || ballast !== undefined)) {
        const series: Point[] = [];
        for (const n of context.options.namespaces) {
            if (isInterrupted()) {
                break;
            }
            log(`checkpoint floor, ${variant.label}: ${n} resources`);
            const backendUrl = variant.backendQuery === undefined ? context.env.PULUMI_BACKEND_URL! : `${context.env.PULUMI_BACKEND_URL}?${variant.backendQuery}`;
            const env = {
                ...context.env,
                PULUMI_BACKEND_URL: backendUrl,
                FLOOR_N: String(n),
                FLOOR_BALLAST: variant.ballast === undefined ? "" : ballast![variant.ballast],
            };
            const stack = new BenchStack(stackName("checkpoints"), dir, env, context.options.pulumiArgs);
            let up: Sample | undefined;
            try {
                up = required(`up with ${n} resources (${variant.label})`, await stack.up(context.options.upLimit));
                series.push({ n, seconds: up.seconds });
                const state = stack.state();
                log(`  up: ${seconds(up.seconds)}, state ${(state.bytes / 1e6).toFixed(2)} MB`);
                rows.push([
                    variant.label,
                    String(n),
                    seconds(up.seconds),
                    seconds(up.cpuSeconds.engine),
                    seconds(up.cpuSeconds.program),
                    `${(state.bytes / 1e6).toFixed(2)} MB`,
                ]);
            } catch (error) {
                notes.push((error as Error).message.split("\n")[0]);
                rows.push([variant.label, String(n), "failed", "-", "-", "-"]);
            } finally {
                // Nothing outside the state: dropping the stack is the whole teardown.
                await stack.pulumi(["stack", "rm", "--yes", "--force"]);
            }
        }
        lines.push(growthLine(`up (${variant.label})`, "resources", series));
    }
    return {
        section: [
            "Checkpoint floor (no cluster): a plain JavaScript program with N components holding a Namespace's worth of state each, beside " +
                "a ballast of Istio's CRDs held as the stack holds them; ups with checkpoints kept; engine and program CPU time; the state's size",
            table(["variant", "N", "up", "engine CPU", "program CPU", "state"], rows),
            ...lines,
            ...notes.map((note) => `note: ${note}`),
        ]
            .filter((line) => line !== "")
            .join("\n"),
        goals: [],
    };
}
