/**
 * The traffic probe's options for a stack: which enrolled namespace it runs in, the trust domain its identities carry,
 * a fresh run id, and the probe images (Istio's samples' by default; MESH_VERIFY_CLIENT_IMAGE and
 * MESH_VERIFY_SERVER_IMAGE name a mirror's copies).
 */
import { randomBytes } from "crypto";
import { MeshSettings } from "../config/settings";
import { TrafficRunOptions } from "./traffic";

export function trafficProbeOptions(
    settings: Pick<MeshSettings, "namespaces" | "meshConfig">,
    namespace: string | undefined,
    env: Readonly<Record<string, string | undefined>> = process.env,
    runId: string = randomBytes(3).toString("hex"),
): TrafficRunOptions {
    const enrolled = settings.namespaces.map((entry) => entry.name);
    if (enrolled.length === 0) {
        throw new Error("--traffic: the stack enrolls no namespace (mesh.namespaces is empty); enroll one, the probes need sidecars");
    }
    if (namespace !== undefined && !enrolled.includes(namespace)) {
        throw new Error(`--traffic=${namespace}: not an enrolled namespace of the stack; allowed: ${enrolled.join(", ")}`);
    }
    return {
        namespace: namespace ?? enrolled[0],
        trustDomain: settings.meshConfig.trustDomain,
        runId,
        clientImage: env.MESH_VERIFY_CLIENT_IMAGE,
        serverImage: env.MESH_VERIFY_SERVER_IMAGE,
    };
}
