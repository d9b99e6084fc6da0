/**
 * The shape of the stack configuration key `mesh` (in Pulumi.<stack>.yaml: `istio-mesh:mesh`), composed from the
 * schema of each concern (controlPlane.ts, enrollment.ts, gateways.ts, interception.ts, pki.ts).
 *
 * Schemas only say what may be written; each concern's file applies its defaults next to the reason for them.
 * Every message states what is allowed and how to fix the value; issues.ts adds the key path and the value given.
 */
import { z } from "zod";
import {
    ChartsConfig,
    chartsSchema,
    ClusterConfig,
    clusterSchema,
    ImagesConfig,
    imagesSchema,
    IstioConfig,
    IstiodConfig,
    istiodSchema,
    istioNamespaceSchema,
    istioSchema,
    ProxyConfig,
    proxySchema,
} from "./controlPlane";
import { DataPlaneConfig, dataPlaneSchema } from "./dataPlane";
import { MeshConfigConfig, meshConfigSchema } from "./meshConfig";
import { ValuesConfig, valuesSchema } from "./overrides";
import { NamespaceConfig, namespaceSchema, WebhooksConfig, webhooksSchema } from "./enrollment";
import { GatewayApiConfig, gatewayApiSchema } from "./gatewayApi";
import { EgressConfig, egressSchema, GatewayConfig, gatewaySchema } from "./gateways";
import { InterceptionConfig, interceptionSchema } from "./interception";
import { LifecycleConfig, lifecycleSchema, ReadinessConfig, readinessSchema } from "./lifecycle";
import { MultiClusterConfig, multiClusterSchema } from "./multiCluster";
import { MtlsConfig, mtlsSchema, PkiConfig, pkiSchema } from "./pki";

export { MESH_CONFIG_KEY } from "./issues";

export const meshSchema = z.strictObject({
    istio: istioSchema,
    namespace: istioNamespaceSchema.optional(),
    charts: chartsSchema.optional(),
    images: imagesSchema.optional(),
    istiod: istiodSchema.optional(),
    meshConfig: meshConfigSchema.optional(),
    proxy: proxySchema.optional(),
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
    values: valuesSchema.optional(),
    readiness: readinessSchema.optional(),
    lifecycle: lifecycleSchema.optional(),
});

/** The mesh configuration as written in a stack file, after shape checks and before defaults. */
export type MeshConfigInput = z.infer<typeof meshSchema>;

/**
 * The mesh configuration as written: the stack file's `mesh` key, and the args of the Mesh component. Each key's
 * doc comment gives its default (the README's configuration reference is checked against these comments).
 */
export interface MeshConfiguration {
    /** Versions, revisions, tags and the charts' presets. */
    readonly istio: IstioConfig;
    /** istiod's namespace and the mesh's root namespace; Istio's tools expect it. @default `istio-system` */
    readonly namespace?: string;
    readonly charts?: ChartsConfig;
    readonly images?: ImagesConfig;
    readonly istiod?: IstiodConfig;
    readonly meshConfig?: MeshConfigConfig;
    readonly proxy?: ProxyConfig;
    readonly cluster?: ClusterConfig;
    readonly pki?: PkiConfig;
    readonly multiCluster?: MultiClusterConfig;
    readonly mtls?: MtlsConfig;
    /** Namespaces in the mesh (none unless listed). */
    readonly namespaces?: readonly NamespaceConfig[];
    readonly webhooks?: WebhooksConfig;
    readonly interception?: InterceptionConfig;
    /** Ingress and egress gateways (none unless listed). */
    readonly gateways?: readonly GatewayConfig[];
    readonly egress?: EgressConfig;
    readonly dataPlane?: DataPlaneConfig;
    readonly gatewayApi?: GatewayApiConfig;
    /** Values of Istio's charts that the configuration has no key for; keys the stack derives are refused. */
    readonly values?: ValuesConfig;
    readonly readiness?: ReadinessConfig;
    readonly lifecycle?: LifecycleConfig;
}

type DeepMutable<T> = T extends readonly (infer U)[]
    ? DeepMutable<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
      : T;

/** Compiles only when A is assignable to B. */
type Assignable<A extends B, B> = [A, B];

/**
 * The written interfaces and the schema describe the same configuration: whatever passes the schema is a
 * MeshConfiguration, and every MeshConfiguration is what the schema reads (a compile error otherwise).
 */
export type SchemaMatchesConfiguration = [
    Assignable<MeshConfigInput, MeshConfiguration>,
    Assignable<DeepMutable<MeshConfiguration>, z.input<typeof meshSchema>>,
];
