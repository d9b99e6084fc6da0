/**
 * Fields the API server allocates, which the stack never changes: a Service's cluster IPs. The stack's Services do
 * not set them (the API server picks them when it creates the Service), yet an adopted Service's state holds them,
 * read from the live object by its import (lifecycle/existingObjects.ts); and the kubernetes provider replaces a
 * Service whose `spec.clusterIP` changes, so the stack's object, without one, would read as a replacement of the
 * Service (a delete, a new address) instead of an update in place. The stack ignores changes to them, for every
 * Service: a Service it created holds none in its state and is unaffected, an adopted one keeps its addresses, and
 * turning lifecycle.adoptExisting off later changes nothing. A cluster IP is immutable in Kubernetes anyway: a chart
 * value that sets one (the gateway chart's `service.clusterIP`) applies when the Service is created.
 */
import * as pulumi from "@pulumi/pulumi";

const SERVICE_TYPE = "kubernetes:core/v1:Service";
export const ALLOCATED_SERVICE_FIELDS = ["spec.clusterIP", "spec.clusterIPs"];

/** The transform for the mesh's children: Services ignore changes to their cluster IPs. */
export const allocatedFieldsTransform: pulumi.ResourceTransform = (args) => {
    if (args.type !== SERVICE_TYPE || !args.custom) {
        return undefined;
    }
    const ignored = args.opts.ignoreChanges ?? [];
    return { props: args.props, opts: { ...args.opts, ignoreChanges: [...ignored, ...ALLOCATED_SERVICE_FIELDS.filter((field) => !ignored.includes(field))] } };
};
