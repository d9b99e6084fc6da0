/**
 * The shape of the stack configuration key `mesh` (in Pulumi.<stack>.yaml: `istio-mesh:mesh`).
 *
 * The schema only says what may be written; defaults and derived values are applied in settings.ts so that each
 * default sits next to the reason for it. Every message here states what is allowed and how to fix the value;
 * errors.ts adds the key path and the value that was given.
 */
import { lifecycleSchema, readinessSchema } from "./lifecycle";
import { z } from "zod";
import { namespaceSchema, webhooksSchema } from "./enrollmentSchema";
import { egressSchema, gatewaySchema } from "./gatewaySchema";
import { interceptionSchema } from "./interceptionSchema";
import { isSupportedLine, parseIstioVersion, SUPPORTED_ISTIO_LINES } from "./istioVersion";
import { mtlsSchema, multiClusterSchema, pkiSchema } from "./pkiSchema";
import { dns1123Label, dns1123Subdomain, IMAGE_HUB, IMAGE_TAG, positiveInt, resourcesSchema, SPIFFE_TRUST_DOMAIN } from "./primitives";

/** The stack configuration key (without the project prefix) that holds the whole mesh configuration. */
export const MESH_CONFIG_KEY = "mesh";

/** Istio's helm-chart profiles that install a sidecar-mode control plane ("default" means no profile file). */
export const ISTIO_PROFILES = ["default", "demo", "preview", "remote", "stable"] as const;
export type IstioProfile = (typeof ISTIO_PROFILES)[number];

/**
 * Platforms with presets: Istio's documented `global.platform` values (files/profile-platform-<name>.yaml in its
 * charts), and the managed clusters whose CNI layout is Istio's default (eks, aks).
 */
export const ISTIO_PLATFORMS = ["gke", "k3d", "k3s", "microk8s", "minikube", "openshift", "eks", "aks"] as const;
export type IstioPlatform = (typeof ISTIO_PLATFORMS)[number];

export const OUTBOUND_TRAFFIC_POLICIES = ["ALLOW_ANY", "REGISTRY_ONLY"] as const;
export type OutboundTrafficPolicy = (typeof OUTBOUND_TRAFFIC_POLICIES)[number];

export const ACCESS_LOG_ENCODINGS = ["TEXT", "JSON"] as const;
export type AccessLogEncoding = (typeof ACCESS_LOG_ENCODINGS)[number];

/** Said when a stack file pins no Istio version at all. */
export const VERSION_REQUIRED =
    "required: the exact Istio release to install, pinned per stack (there is no default so that " +
    "an upgrade is always a reviewed change). Fix: pulumi config set --path 'mesh.istio.version' 1.30.3";

const istioVersion = z
    .string({
        error: (issue) =>
            issue.input === undefined
                ? VERSION_REQUIRED
                : "allowed: an exact Istio release as a quoted string (YAML reads 1.30 as a number). " +
                  "Fix: write it in quotes, e.g. \"1.30.3\"",
    })
    .refine((text) => parseIstioVersion(text) !== undefined, {
        error:
            "allowed: an exact Istio release MAJOR.MINOR.PATCH with an optional pre-release, e.g. 1.30.3 or " +
            "1.31.0-rc.0 (no leading 'v', no ranges). Fix: pin the exact release, e.g. 1.30.3",
        abort: true,
    })
    .refine((text) => isSupportedLine(parseIstioVersion(text)!), {
        error: `allowed: a release on the ${SUPPORTED_ISTIO_LINES.join(", ")} lines. Fix: pin a supported release, e.g. 1.30.3`,
    });

/** One control-plane revision: an Istio version and, optionally, its revision name. */
export const revisionSchema = z.strictObject({
    version: istioVersion,
    name: dns1123Label("1-30-3").optional(),
});

export const meshConfigSchema = z.strictObject({
    accessLogFile: z
        .string()
        .refine((path) => path === "" || path.startsWith("/"), {
            error: 'allowed: "" (access logs off) or an absolute path such as /dev/stdout. Fix: e.g. /dev/stdout',
        })
        .optional(),
    accessLogEncoding: z.enum(ACCESS_LOG_ENCODINGS).optional(),
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
    trustDomainAliases: z.array(z.string().regex(SPIFFE_TRUST_DOMAIN, {
        error: "allowed: a SPIFFE trust domain (lowercase letters, digits, '.', '-' and '_'). Fix: e.g. old.example.com",
    })).optional(),
});

export const istiodSchema = z.strictObject({
    replicas: positiveInt("istiod pods when autoscaling is off", 2).optional(),
    autoscale: z
        .strictObject({
            enabled: z.boolean().optional(),
            min: positiveInt("fewest istiod pods", 2).optional(),
            max: positiveInt("most istiod pods", 5).optional(),
            targetCpuUtilization: z
                .number()
                .int()
                .min(1, { error: "allowed: 1 to 100 (percent of requested CPU). Fix: e.g. 80" })
                .max(100, { error: "allowed: 1 to 100 (percent of requested CPU). Fix: e.g. 80" })
                .optional(),
        })
        .optional(),
    disruptionBudget: z
        .strictObject({
            enabled: z.boolean().optional(),
            minAvailable: positiveInt("istiod pods kept during voluntary disruptions", 1).optional(),
        })
        .optional(),
    resources: resourcesSchema.optional(),
});

export const chartsSchema = z.strictObject({
    repository: z
        .string()
        .regex(/^(https?|oci):\/\/[^\s]+$/, {
            error:
                "allowed: a Helm repository URL (https://...) or an OCI registry path (oci://...). " +
                "Fix: e.g. oci://registry.example.com/istio/charts",
        })
        .optional(),
    directory: z.string().min(1, { error: "allowed: a path to a local folder of Istio charts. Fix: remove the key or give a path" }).optional(),
});

export const imagesSchema = z.strictObject({
    hub: z
        .string()
        .regex(IMAGE_HUB, {
            error: "allowed: an image registry and repository prefix without a tag. Fix: e.g. docker.io/istio",
        })
        .optional(),
    tag: z
        .string()
        .regex(IMAGE_TAG, { error: "allowed: an image tag (letters, digits, '_', '.', '-'). Fix: e.g. 1.30.3" })
        .refine((tag) => tag !== "latest", {
            error: "allowed: a pinned tag; 'latest' moves under a running mesh. Fix: remove the key to use the Istio version, or pin e.g. 1.30.3",
        })
        .optional(),
    pullSecrets: z.array(dns1123Subdomain("registry-credentials")).optional(),
});

export const clusterSchema = z.strictObject({
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
});

export const meshSchema = z.strictObject({
    istio: z.strictObject(
        {
            version: istioVersion.optional(),
            revision: dns1123Label("1-30-3").optional(),
            revisions: z.array(revisionSchema).min(1, { error: "allowed: at least one revision. Fix: e.g. [{ version: \"1.30.3\" }]" }).optional(),
            tags: z.record(dns1123Label("stable"), dns1123Label("1-30-3")).optional(),
            profile: z.enum(ISTIO_PROFILES).optional(),
            platform: z.enum(ISTIO_PLATFORMS).optional(),
        },
        {
            error:
                "required: the istio section with at least the version. " +
                "Fix: pulumi config set --path 'mesh.istio.version' 1.30.3",
        },
    ),
    namespace: dns1123Label("istio-system").optional(),
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
    readiness: readinessSchema.optional(),
    lifecycle: lifecycleSchema.optional(),
});

/** The mesh configuration as written in a stack file, after shape checks and before defaults. */
export type MeshConfigInput = z.infer<typeof meshSchema>;
