/**
 * The raw configuration split into its top-level sections, each kept only where it passes its own schema, so that
 * cross-field rules read typed values.
 */
import { z } from "zod";
import { meshSchema } from "./schema";

/** The mesh configuration with each section present only where it passed its own schema. */
export type Sections = { [K in keyof z.infer<typeof meshSchema>]?: z.infer<typeof meshSchema>[K] };

/** Parses each top-level section on its own, keeping those that are valid. */
export function validSections(raw: unknown): Sections {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        return {};
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
        }
    }
    return sections as Sections;
}
