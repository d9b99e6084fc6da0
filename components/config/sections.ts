/**
 * The raw configuration split into its top-level sections, each kept where it passes its own schema, so that checks
 * read typed values. A section that fails keeps its valid keys (a bad `istio.profile` leaves `istio.version` to
 * the checks), and every key that failed is listed, so that a check never mistakes a bad key for an unset one.
 */
import { z } from "zod";
import { meshSchema } from "./schema";

type Input = z.infer<typeof meshSchema>;

/** The mesh configuration with each section's valid keys, and the key paths that failed their schema. */
export type Sections = { [K in keyof Input]?: Input[K] } & {
    /** Dotted key paths that were written but failed their schema, e.g. "meshConfig.outboundTrafficPolicy". */
    readonly invalid: ReadonlySet<string>;
};

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
    const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
    return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined;
}

/** Parses each top-level section on its own, and the keys of a failing section one by one. */
export function validSections(raw: unknown): Sections {
    const invalid = new Set<string>();
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        return { invalid };
    }
    const sections: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(meshSchema.shape)) {
        const value = (raw as Record<string, unknown>)[key];
        if (value === undefined) {
            continue;
        }
        const parsed = (schema as z.ZodType).safeParse(value);
        if (parsed.success) {
            sections[key] = parsed.data;
            continue;
        }
        const shape = objectShape(schema as z.ZodType);
        if (shape === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
            invalid.add(key);
            continue;
        }
        // The section is a mapping with some bad keys: keep the good ones. Every key of a section is optional.
        const kept: Record<string, unknown> = {};
        for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
            const fieldSchema = shape[field];
            const fieldParsed = fieldSchema?.safeParse(fieldValue);
            if (fieldParsed?.success) {
                kept[field] = fieldParsed.data;
            } else {
                invalid.add(`${key}.${field}`);
            }
        }
        sections[key] = kept;
    }
    return { ...(sections as Omit<Sections, "invalid">), invalid };
}

/** True when a key, or the section holding it, was written but failed its schema: its value is unknown. */
export function isInvalid(sections: Sections, path: string): boolean {
    const parts = path.split(".");
    return parts.some((_, index) => sections.invalid.has(parts.slice(0, index + 1).join(".")));
}
