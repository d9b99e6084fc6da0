/**
 * Where each peer's kubeconfig comes from: the peer's stack (its `readerKubeconfig` output), or the program (a program with a provider per cluster passes one Mesh's `readerKubeconfig` to the
 * other's `peerKubeconfigs`).
 */
import * as pulumi from "@pulumi/pulumi";
import { PeerSettings } from "../config/multiCluster";
import { requireStackOutputs } from "../program/stackOutputs";

/** The stack output that holds a cluster's reader kubeconfig (a secret), for its peers' stacks. */
export const READER_KUBECONFIG_OUTPUT = "readerKubeconfig";

/** Peers listed without a stack whose kubeconfig the program did not pass: each a message for the person who must fix it. */
export function missingPeerKubeconfigs(peers: readonly PeerSettings[], given: Readonly<Record<string, unknown>> | undefined): string[] {
    return peers
        .filter((peer) => peer.stack === undefined && given?.[peer.name] === undefined)
        .map(
            (peer) =>
                `mesh.multiCluster.peers: peer "${peer.name}" names no stack, and the program passes no kubeconfig for it. ` +
                `Fix: set the peer's stack (stack: org/project/stack), or pass peerKubeconfigs: { "${peer.name}": <its Mesh's readerKubeconfig> }`,
        );
}

/**
 * Peer name -> its reader kubeconfig (a secret). A peer's stack is read with the engine's builtin function, not a stack
 * reference, so this stack's state holds the peer's reader kubeconfig alone (in its remote secret), not everything
 * the peer exports (components/program/stackOutputs.ts).
 */
export function peerKubeconfigs(
    peers: readonly PeerSettings[],
    given: Readonly<Record<string, pulumi.Input<string>>> | undefined,
    parent: pulumi.Resource,
): Record<string, pulumi.Output<string>> {
    return Object.fromEntries(
        peers.map((peer, index) => {
            if (peer.stack === undefined) {
                return [peer.name, pulumi.secret(pulumi.output(given![peer.name]))];
            }
            const outputs = requireStackOutputs(`mesh.multiCluster.peers[${index}].stack`, peer.stack, [READER_KUBECONFIG_OUTPUT], parent);
            return [peer.name, pulumi.secret(outputs.apply((read) => read[READER_KUBECONFIG_OUTPUT]))];
        }),
    );
}
