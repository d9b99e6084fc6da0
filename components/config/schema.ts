/**
 * The shape of the stack configuration key `mesh` (in Pulumi.<stack>.yaml: `istio-mesh:mesh`), composed from the
 * schema of each concern (controlPlane.ts, enrollment.ts, gateways.ts, interception.ts, pki.ts).
 *
 * Schemas only say what may be written; each concern's file applies its defaults next to the reason for them.
 * Every message states what is allowed and how to fix the value; issues.ts adds the key path and the value given.
 */
import { z } from "zod";
import { chartsSchema, clusterSchema, imagesSchema, istiodSchema, istioNamespaceSchema, istioSchema, meshConfigSchema } from "./controlPlane";
import { namespaceSchema, webhooksSchema } from "./enrollment";
import { dataPlaneSchema } from "./dataPlane";
import { gatewayApiSchema } from "./gatewayApi";
import { egressSchema, gatewaySchema } from "./gateways";
import { interceptionSchema } from "./interception";
import { mtlsSchema, multiClusterSchema, pkiSchema } from "./pki";

export { MESH_CONFIG_KEY } from "./issues";

export const meshSchema = z.strictObject({
    istio: istioSchema,
    namespace: istioNamespaceSchema.optional(),
    charts: chartsSchema.optional(),
    images: imagesSchema.optional(),
    istiod: istiodSchema.optional(),
    meshConfig: meshConfigSchema.optional(),
    cluster: clusterSchema.optional(),
    pki: pkiSchema.optional(),
    multiCluster: multiClusterSchema.optional(),
    mtls: mtlsSchema.optional(),
    namespaces: z.array(namespaceSchema).optional(),
    webhooks: webhooksSchema.optional(),
    interception: interceptionSchema.optional(),
    gateways: z.array(gatewaySchema).optional(),
    egress: egressSchema.optional(),
    dataPlane: dataPlaneSchema.optional(),
    gatewayApi: gatewayApiSchema.optional(),
});

/** The mesh configuration as written in a stack file, after shape checks and before defaults. */
export type MeshConfigInput = z.infer<typeof meshSchema>;
