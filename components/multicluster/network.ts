/**
 * The network label: on the Istio namespace it tells every istiod of the mesh which network this cluster's
 * workloads are on (Istio's multi-network install: `kubectl label namespace istio-system topology.istio.io/network=...`).
 */

/** Istio's label for a cluster's, a gateway's or a workload's network. */
export const NETWORK_LABEL = "topology.istio.io/network";

/** The Istio namespace's labels for the network: none on Istio's single default network. Pure. */
export function networkLabels(network: string | undefined): Record<string, string> {
    return network === undefined ? {} : { [NETWORK_LABEL]: network };
}
