/** Runs once before the unit tests: the shared key material (see test/keyMaterial.ts). */
import { ensureKeys } from "../keyMaterial";

export default async function globalSetup(): Promise<void> {
    await ensureKeys();
}
