/**
 * The mesh stack: reads and validates the stack configuration, then installs the mesh it describes.
 * An invalid configuration throws here, before any resource is registered.
 */
import { loadMeshSettings } from "./components/config/load";
import { Mesh } from "./components/mesh";

const settings = loadMeshSettings();
const mesh = new Mesh("mesh", { settings });

export const istioVersion = mesh.version;
export const revision = mesh.revision;
export const istioNamespace = mesh.namespace;
export const trustDomain = mesh.trustDomain;
