/**
 * Istio's MeshConfig (`mesh.meshConfig`): the mesh-wide settings of istiod and every proxy. The keys teams set most
 * are typed; every other field of Istio's MeshConfig is accepted by its name and passed through verbatim; an
 * unknown name is an error that names the closest field. Part of the control plane's configuration.
 */
import { z } from "zod";
import { ConfigIssue } from "./issues";
import { labelSelectorSchema, LabelSelectorConfig, SPIFFE_TRUST_DOMAIN } from "./primitives";

export const OUTBOUND_TRAFFIC_POLICIES = ["ALLOW_ANY", "REGISTRY_ONLY"] as const;
export type OutboundTrafficPolicy = (typeof OUTBOUND_TRAFFIC_POLICIES)[number];

export const ACCESS_LOG_ENCODINGS = ["TEXT", "JSON"] as const;
export type AccessLogEncoding = (typeof ACCESS_LOG_ENCODINGS)[number];

/** The fields of Istio's MeshConfig (istio.io/api mesh/v1alpha1, as of the newest supported line) that are not typed here. */
export const PASS_THROUGH_MESH_CONFIG_FIELDS = [
    "proxyListenPort",
    "proxyInboundListenPort",
    "proxyHttpPort",
    "connectTimeout",
    "hboneIdleTimeout",
    "protocolDetectionTimeout",
    "tcpKeepalive",
    "ingressClass",
    "ingressService",
    "ingressControllerMode",
    "ingressSelector",
    "enableEnvoyAccessLogService",
    "disableEnvoyListenerLog",
    "inboundTrafficPolicy",
    "configSources",
    "enableAutoMtls",
    "defaultServiceExportTo",
    "defaultVirtualServiceExportTo",
    "defaultDestinationRuleExportTo",
    "zoneAwareLbSetting",
    "dnsRefreshRate",
    "h2UpgradePolicy",
    "inboundClusterStatName",
    "outboundClusterStatName",
    "serviceSettings",
    "serviceScopeConfigs",
    "enablePrometheusMerge",
    "verifyCertificateAtClient",
    "pathNormalization",
    "meshMTLS",
    "tlsDefaults",
    "defaultTrafficPolicy",
    "serviceEntryVisibility",
] as const;
export type PassThroughMeshConfigField = (typeof PASS_THROUGH_MESH_CONFIG_FIELDS)[number];

/** MeshConfig fields the stack derives from typed keys; each names the key to use instead. */
export const DERIVED_MESH_CONFIG_FIELDS: Readonly<Record<string, string>> = {
    rootNamespace: "mesh.namespace",
    caCertificates: "mesh.pki (the mesh's roots)",
    certificates: "mesh.pki",
    ca: "mesh.pki (the plug-in CA)",
};

/** The fields of Istio's ProxyConfig (meshConfig.defaultConfig) that are not typed here. */
export const PASS_THROUGH_PROXY_CONFIG_FIELDS = [
    "configPath",
    "binaryPath",
    "serviceCluster",
    "tracingServiceName",
    "drainDuration",
    "discoveryRefreshDelay",
    "zipkinAddress",
    "statsdUdpAddress",
    "envoyMetricsServiceAddress",
    "proxyAdminPort",
    "availabilityZone",
    "controlPlaneAuthPolicy",
    "customConfigFile",
    "statNameLength",
    "proxyBootstrapTemplatePath",
    "interceptionMode",
    "sds",
    "envoyAccessLogService",
    "envoyMetricsService",
    "runtimeValues",
    "statusPort",
    "extraStatTags",
    "gatewayTopology",
    "terminationDrainDuration",
    "readinessProbe",
    "proxyStatsMatcher",
    "caCertificatesPem",
    "image",
    "privateKeyProvider",
    "proxyHeaders",
    "fileFlushInterval",
    "fileFlushMinSizeKb",
    "statsCompression",
    "connectionSettings",
] as const;
export type PassThroughProxyConfigField = (typeof PASS_THROUGH_PROXY_CONFIG_FIELDS)[number];

/** ProxyConfig fields the stack derives; each names the key to use instead. */
export const DERIVED_PROXY_CONFIG_FIELDS: Readonly<Record<string, string>> = {
    discoveryAddress: "mesh.istio.revisions (each revision's istiod address is derived)",
    meshId: "mesh.multiCluster.meshId",
    holdApplicationUntilProxyStarts: "mesh.meshConfig.holdApplicationUntilProxyStarts",
};

/** The kinds of an extension provider, one per provider (Istio's ExtensionProvider oneof). */
export const EXTENSION_PROVIDER_KINDS = [
    "envoyExtAuthzHttp",
    "envoyExtAuthzGrpc",
    "zipkin",
    "lightstep",
    "datadog",
    "stackdriver",
    "opencensus",
    "skywalking",
    "opentelemetry",
    "prometheus",
    "envoyFileAccessLog",
    "envoyHttpAls",
    "envoyTcpAls",
    "envoyOtelAls",
    "sds",
] as const;
export type ExtensionProviderKind = (typeof EXTENSION_PROVIDER_KINDS)[number];

/** Providers Istio knows without an extensionProviders entry. */
export const BUILT_IN_PROVIDERS = ["envoy", "prometheus"] as const;

// ---- configuration as written

/** An extension provider: its name and exactly one provider kind with that kind's settings (Istio's fields). */
export type ExtensionProviderConfig = { readonly name: string } & { readonly [K in ExtensionProviderKind]?: Readonly<Record<string, unknown>> };

/** meshConfig.defaultConfig: the proxies' defaults (Istio's ProxyConfig). */
export type ProxyDefaultsConfig = {
    /** Environment of every proxy (e.g. `ISTIO_META_DNS_CAPTURE: "true"`). @default `{}` */
    readonly proxyMetadata?: Readonly<Record<string, string>>;
    /** Tracing of every proxy (Istio's `Tracing`: sampling, custom tags, ...). @default Istio's */
    readonly tracing?: Readonly<Record<string, unknown>>;
    /** Envoy worker threads; `0` uses every core. @default Istio's (2) */
    readonly concurrency?: number;
} & { readonly [K in PassThroughProxyConfigField]?: unknown };

/** Which providers the mesh uses unless a Telemetry resource says otherwise. */
export interface DefaultProvidersConfig {
    /** Tracing providers, by name (of extensionProviders). @default none */
    readonly tracing?: readonly string[];
    /** Metrics providers, by name (or the built-in `prometheus`). @default Istio's (`prometheus`) */
    readonly metrics?: readonly string[];
    /** Access-log providers, by name (or the built-in `envoy`). @default none */
    readonly accessLogging?: readonly string[];
}

/** Mesh-wide settings of istiod and every proxy (Istio's MeshConfig); any other MeshConfig field is passed verbatim. */
export type MeshConfigConfig = {
    /** Istio's default, access logs are costly at scale; dev turns them on (`/dev/stdout`). @default `""` (off) */
    readonly accessLogFile?: string;
    /** Or `JSON`. @default `TEXT` */
    readonly accessLogEncoding?: AccessLogEncoding;
    /** Envoy's format string for access logs. @default Istio's */
    readonly accessLogFormat?: string;
    /** Istio's default; `REGISTRY_ONLY` needs `egress.allowedHosts` for every external host. @default `ALLOW_ANY` */
    readonly outboundTrafficPolicy?: OutboundTrafficPolicy;
    /** An app that calls out at start fails before Envoy is ready otherwise. @default `true` (Istio: false) */
    readonly holdApplicationUntilProxyStarts?: boolean;
    /** SPIFFE trust domain of workload identities `spiffe://<trust-domain>/ns/<ns>/sa/<sa>`. @default `cluster.local` */
    readonly trustDomain?: string;
    /** Former trust domains still accepted during a migration. @default `[]` */
    readonly trustDomainAliases?: readonly string[];
    /** Tracing without a Telemetry resource (the legacy switch; `extensionProviders` with `defaultProviders` is preferred). @default Istio's */
    readonly enableTracing?: boolean;
    /** The proxies' defaults (Istio's ProxyConfig): typed keys below, any other ProxyConfig field passed verbatim. */
    readonly defaultConfig?: ProxyDefaultsConfig;
    /** Tracing, access-log, metrics and authorization providers, by name. @default `[]` */
    readonly extensionProviders?: readonly ExtensionProviderConfig[];
    readonly defaultProviders?: DefaultProvidersConfig;
    /** Namespaces istiod watches, by label; empty: every namespace. @default `[]` */
    readonly discoverySelectors?: readonly LabelSelectorConfig[];
    /** Locality load balancing (Istio's LocalityLoadBalancerSetting). @default Istio's */
    readonly localityLbSetting?: Readonly<Record<string, unknown>>;
    /** Retries of every HTTP route without its own (Istio's HTTPRetry). @default Istio's (2 attempts) */
    readonly defaultHttpRetryPolicy?: {
        readonly attempts?: number;
        readonly perTryTimeout?: string;
        readonly retryOn?: string;
        readonly retryRemoteLocalities?: boolean;
    };
} & { readonly [K in PassThroughMeshConfigField]?: unknown };

// ---- schema

const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

const passThrough = <const T extends readonly string[]>(fields: T) =>
    Object.fromEntries(fields.map((field) => [field, z.unknown().optional()])) as { [K in T[number]]: z.ZodOptional<z.ZodUnknown> };

const derived = (fields: Readonly<Record<string, string>>) =>
    Object.fromEntries(
        Object.entries(fields).map(([field, use]) => [
            field,
            z.never({ error: `derived by the stack, so that its pieces cannot disagree. Fix: remove it and set ${use}` }).optional(),
        ]),
    );

export const extensionProviderSchema = z
    .strictObject({
        name: z.string().min(1, { error: "required: the provider's name, as Telemetry resources name it. Fix: e.g. otel-tracing" }),
        ...Object.fromEntries(EXTENSION_PROVIDER_KINDS.map((kind) => [kind, z.record(z.string(), z.unknown()).optional()])),
    } as { name: z.ZodString } & { [K in ExtensionProviderKind]: z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>> })
    .refine((provider) => EXTENSION_PROVIDER_KINDS.filter((kind) => provider[kind] !== undefined).length === 1, {
        error: `allowed: exactly one provider kind (${EXTENSION_PROVIDER_KINDS.join(", ")}) beside the name. Fix: e.g. { name: otel-tracing, opentelemetry: { service: otel-collector.observability.svc.cluster.local, port: 4317 } }`,
    });

export const proxyDefaultsSchema = z.strictObject({
    proxyMetadata: z.record(z.string(), z.string(), { error: 'allowed: a mapping of names to string values. Fix: quote values, e.g. { ISTIO_META_DNS_CAPTURE: "true" }' }).optional(),
    tracing: z.record(z.string(), z.unknown()).optional(),
    concurrency: z.number().int().min(0, { error: "allowed: 0 (every core) or more worker threads. Fix: e.g. 2" }).optional(),
    ...passThrough(PASS_THROUGH_PROXY_CONFIG_FIELDS),
    ...derived(DERIVED_PROXY_CONFIG_FIELDS),
});

export const meshConfigSchema = z.strictObject({
    accessLogFile: z
        .string()
        .refine((path) => path === "" || path.startsWith("/"), {
            error: 'allowed: "" (access logs off) or an absolute path such as /dev/stdout. Fix: e.g. /dev/stdout',
        })
        .optional(),
    accessLogEncoding: z.enum(ACCESS_LOG_ENCODINGS).optional(),
    accessLogFormat: z.string().optional(),
    outboundTrafficPolicy: z.enum(OUTBOUND_TRAFFIC_POLICIES).optional(),
    holdApplicationUntilProxyStarts: z.boolean().optional(),
    trustDomain: z
        .string()
        .max(255, { error: "allowed: a SPIFFE trust domain of at most 255 characters. Fix: shorten it" })
        .regex(SPIFFE_TRUST_DOMAIN, {
            error:
                "allowed: a SPIFFE trust domain (lowercase letters, digits, '.', '-' and '_'; no scheme, port or " +
                "path). Fix: e.g. prod.example.com",
        })
        .optional(),
    trustDomainAliases: z
        .array(
            z.string().regex(SPIFFE_TRUST_DOMAIN, {
                error: "allowed: a SPIFFE trust domain (lowercase letters, digits, '.', '-' and '_'). Fix: e.g. old.example.com",
            }),
        )
        .optional(),
    enableTracing: z.boolean().optional(),
    defaultConfig: proxyDefaultsSchema.optional(),
    extensionProviders: z.array(extensionProviderSchema).optional(),
    defaultProviders: z
        .strictObject({
            tracing: z.array(z.string()).optional(),
            metrics: z.array(z.string()).optional(),
            accessLogging: z.array(z.string()).optional(),
        })
        .optional(),
    discoverySelectors: z.array(labelSelectorSchema).optional(),
    localityLbSetting: z.record(z.string(), z.unknown()).optional(),
    defaultHttpRetryPolicy: z
        .strictObject({
            attempts: z.number().int().min(0).optional(),
            perTryTimeout: z.string().regex(DURATION, { error: "allowed: a duration such as 2s or 500ms. Fix: e.g. 2s" }).optional(),
            retryOn: z.string().optional(),
            retryRemoteLocalities: z.boolean().optional(),
        })
        .optional(),
    ...passThrough(PASS_THROUGH_MESH_CONFIG_FIELDS),
    ...derived(DERIVED_MESH_CONFIG_FIELDS),
});
export type MeshConfigSectionInput = z.infer<typeof meshConfigSchema>;

// ---- settings

export interface MeshConfigSettings {
    readonly accessLogFile: string;
    readonly accessLogEncoding: AccessLogEncoding;
    readonly outboundTrafficPolicy: OutboundTrafficPolicy;
    readonly holdApplicationUntilProxyStarts: boolean;
    readonly trustDomain: string;
    /** Former trust domains still accepted as this mesh's, during a migration. */
    readonly trustDomainAliases: readonly string[];
    /** Every other key as written, passed to Istio verbatim (defaultConfig without the keys above). */
    readonly passThrough: Readonly<Record<string, unknown>>;
}

// ---- derivations

/** The outbound traffic policy: Istio's default, ALLOW_ANY; REGISTRY_ONLY needs an egress path for every external host. */
export function outboundTrafficPolicyOf(meshConfig: MeshConfigSectionInput | undefined): OutboundTrafficPolicy {
    return meshConfig?.outboundTrafficPolicy ?? "ALLOW_ANY";
}

// ---- defaults

const TYPED_FIELDS = ["accessLogFile", "accessLogEncoding", "outboundTrafficPolicy", "holdApplicationUntilProxyStarts", "trustDomain", "trustDomainAliases"] as const;

export function toMeshConfigSettings(meshConfig: MeshConfigSectionInput | undefined): MeshConfigSettings {
    const rest: Record<string, unknown> = { ...meshConfig };
    for (const field of TYPED_FIELDS) {
        delete rest[field];
    }
    return {
        // Access logs off, as in Istio: they are costly at scale; dev stacks turn them on.
        accessLogFile: meshConfig?.accessLogFile ?? "",
        accessLogEncoding: meshConfig?.accessLogEncoding ?? "TEXT",
        outboundTrafficPolicy: outboundTrafficPolicyOf(meshConfig),
        // On (Istio's default is off): without it, an app that calls out at start fails before Envoy is ready.
        holdApplicationUntilProxyStarts: meshConfig?.holdApplicationUntilProxyStarts ?? true,
        // Istio's default trust domain; multi-cluster and prod meshes set their own.
        trustDomain: meshConfig?.trustDomain ?? "cluster.local",
        trustDomainAliases: meshConfig?.trustDomainAliases ?? [],
        passThrough: rest,
    };
}

// ---- checks

/** Providers named in defaultProviders exist (when the providers are known); provider names are unique. */
export function meshConfigIssues(meshConfig: MeshConfigSectionInput, providersKnown: boolean): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const names = (meshConfig.extensionProviders ?? []).map((provider) => provider.name);
    const seen = new Set<string>();
    names.forEach((name, index) => {
        if (seen.has(name)) {
            issues.push({ path: ["meshConfig", "extensionProviders", index, "name"], given: name, message: `provider "${name}" is declared twice. Fix: give each provider its own name` });
        }
        seen.add(name);
    });
    const known = [...names, ...BUILT_IN_PROVIDERS];
    for (const kind of providersKnown ? (["tracing", "metrics", "accessLogging"] as const) : []) {
        (meshConfig.defaultProviders?.[kind] ?? []).forEach((name, index) => {
            if (!known.includes(name)) {
                issues.push({
                    path: ["meshConfig", "defaultProviders", kind, index],
                    given: name,
                    message: `allowed: a provider of meshConfig.extensionProviders (${names.join(", ") || "none declared"}) or a built-in one (${BUILT_IN_PROVIDERS.join(", ")}). Fix: declare it in meshConfig.extensionProviders`,
                });
            }
        });
    }
    return issues;
}
