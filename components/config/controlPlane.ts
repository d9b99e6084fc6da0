/**
 * The control plane: the Istio release and its chart profile and platform (`mesh.istio`), the Istio namespace
 * (`mesh.namespace`), where charts and images come from (`mesh.charts`, `mesh.images`), istiod's pods
 * (`mesh.istiod`), the proxies' defaults (`mesh.proxy`; Istio's MeshConfig is in meshConfig.ts) and the cluster to
 * install into (`mesh.cluster`). Schema, in-section checks, defaults and the derivations both use.
 */
import { z } from "zod";
import { revisionFields, RevisionsConfig } from "./enrollment";
import { ConfigIssue } from "./issues";
import {
    dns1123Label,
    dns1123Subdomain,
    IMAGE_HUB,
    IMAGE_TAG,
    nonEmpty,
    PodConfig,
    podFields,
    PodSettings,
    positiveInt,
    ResourceRequirements,
    ResourcesConfig,
    resourcesSchema,
    toPodSettings,
} from "./primitives";

/** Image variants Istio publishes beside the default one. */
export const IMAGE_VARIANTS = ["default", "distroless", "debug"] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];

/** Envoy's log levels. */
export const PROXY_LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "critical", "off"] as const;
export type ProxyLogLevel = (typeof PROXY_LOG_LEVELS)[number];

/** Istio's helm-chart profiles that install a sidecar-mode control plane ("default" means no profile file). */
export const ISTIO_PROFILES = ["default", "demo", "preview", "remote", "stable"] as const;
export type IstioProfile = (typeof ISTIO_PROFILES)[number];

/**
 * Platforms with presets: Istio's documented `global.platform` values (files/profile-platform-<name>.yaml in its
 * charts), and the managed clusters whose CNI layout is Istio's default (eks, aks).
 */
export const ISTIO_PLATFORMS = ["gke", "k3d", "k3s", "microk8s", "minikube", "openshift", "eks", "aks"] as const;
export type IstioPlatform = (typeof ISTIO_PLATFORMS)[number];

// ---- configuration as written (the Mesh component's args and the stack file's keys)

/** `istio`: versions, revisions, tags and the charts' presets. */
export interface IstioConfig extends RevisionsConfig {
    /** Istio's chart profiles: `demo`, `preview`, `remote`, `stable`. @default `default` (no profile file) */
    readonly profile?: IstioProfile;
    /**
     * Istio's platform presets (`gke`, `k3d`, `k3s`, `microk8s`, `minikube`, `openshift`) and `eks`, `aks` (CNI
     * layout presets). @default none
     */
    readonly platform?: IstioPlatform;
}

/** Where Istio's charts come from. */
export interface ChartsConfig {
    /**
     * A Helm repository (`https://`, e.g. Istio's `https://blob.istio.io/istio-release/charts`) or OCI registry
     * (`oci://`) mirror; never replaced by another source.
     * @default Istio's official source for every line: `oci://ghcr.io/istio/release/charts`
     */
    readonly repository?: string;
    /**
     * A local folder of unpacked charts (air-gapped); `{version}` in it is replaced; the `ISTIO_CHARTS_DIR`
     * environment variable wins over both. @default none
     */
    readonly directory?: string;
}

/** Where Istio's images come from. */
export interface ImagesConfig {
    /** Where Istio publishes release images (the charts in Istio's source point at a test registry). @default `docker.io/istio` */
    readonly hub?: string;
    /** Pinned; `latest` is refused; not allowed with several revisions. @default each revision's version */
    readonly tag?: string;
    /** Secrets for a private registry, passed to every chart. @default `[]` */
    readonly pullSecrets?: readonly string[];
    /** `distroless` (no shell, fewer CVEs) or `debug` images of every component. @default `default` */
    readonly variant?: ImageVariant;
}

/** The sidecar proxies' defaults (Istio's `global.proxy`). */
export interface ProxyConfig {
    /** Every sidecar's requests and limits. @default requests `100m`, `128Mi`; limits `2`, `1Gi` (Istio's chart values) */
    readonly resources?: ResourcesConfig;
    /** Envoy's log level. @default `warning` (Istio's) */
    readonly logLevel?: ProxyLogLevel;
    /** Envoy's per-component levels, e.g. `misc:error,upstream:warning`. @default Istio's (`misc:error`) */
    readonly componentLogLevel?: string;
}

/** istiod's pods. */
export interface IstiodConfig extends PodConfig {
    /** Istio's default; production stacks raise it or autoscale. @default `1` */
    readonly replicas?: number;
    readonly autoscale?: {
        /** A fixed count gives a stable preview; an autoscaler needs metrics-server. @default `false` */
        readonly enabled?: boolean;
        /** Istio's chart default. @default `1` */
        readonly min?: number;
        /** Istio's chart default. @default `5` */
        readonly max?: number;
        /** Istio's chart default, percent of requested CPU. @default `80` */
        readonly targetCpuUtilization?: number;
    };
    readonly disruptionBudget?: {
        /** A budget on one pod would block every node drain. @default on when more pods run than it keeps */
        readonly enabled?: boolean;
        /** Pods kept during voluntary disruptions. @default `1` */
        readonly minAvailable?: number;
    };
    /** Istio's chart requests, so capacity plans match Istio's docs. @default requests `500m` CPU, `2048Mi` */
    readonly resources?: ResourcesConfig;
    /** istiod's log levels, `<scope>:<level>,...`. @default `default:info` (Istio's) */
    readonly logLevel?: string;
    /** Environment variables of istiod (Istio's `pilot.env`: feature flags such as `PILOT_ENABLE_ALPHA_GATEWAY_API`). @default `{}` */
    readonly env?: Readonly<Record<string, string>>;
}

/** The cluster to install into (when the Mesh makes its own Kubernetes provider). */
export interface ClusterConfig<Text = string> {
    /** A path or the contents. @default the current kube context (`KUBECONFIG` or `~/.kube/config`) */
    readonly kubeconfig?: Text;
    /** A context of the kubeconfig. @default the kubeconfig's current context */
    readonly context?: string;
}

// ---- schema

export const istioSchema = z.strictObject(
    {
        ...revisionFields,
        profile: z.enum(ISTIO_PROFILES).optional(),
        platform: z.enum(ISTIO_PLATFORMS).optional(),
    },
    {
        error: "required: the istio section with at least the version. Fix: pulumi config set --path 'mesh.istio.version' 1.30.3",
    },
);

export const istioNamespaceSchema = dns1123Label("istio-system");

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
    ...podFields,
    logLevel: z
        .string()
        .regex(/^[a-z0-9_-]+:(none|error|warn|info|debug)(,[a-z0-9_-]+:(none|error|warn|info|debug))*$/, {
            error: "allowed: <scope>:<level> pairs separated by commas, levels none, error, warn, info, debug. Fix: e.g. default:info,ads:debug",
        })
        .optional(),
    env: z
        .record(
            z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "allowed: an environment variable name (letters, digits, '_'). Fix: e.g. PILOT_TRACE_SAMPLING" }),
            z.string({ error: 'allowed: a string value (quote numbers and booleans). Fix: e.g. "true"' }),
        )
        .optional(),
});
export type IstiodInput = z.infer<typeof istiodSchema>;

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
export type ChartsInput = z.infer<typeof chartsSchema>;

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
    variant: z.enum(IMAGE_VARIANTS).optional(),
});

export const proxySchema = z.strictObject({
    resources: resourcesSchema.optional(),
    logLevel: z.enum(PROXY_LOG_LEVELS).optional(),
    componentLogLevel: z
        .string()
        .regex(/^[a-z_]+:(trace|debug|info|warning|error|critical|off)(,[a-z_]+:(trace|debug|info|warning|error|critical|off))*$/, {
            error: "allowed: <component>:<level> pairs separated by commas. Fix: e.g. misc:error,upstream:warning",
        })
        .optional(),
});
export type ProxyInput = z.infer<typeof proxySchema>;
export type ImagesInput = z.infer<typeof imagesSchema>;

export const clusterSchema = z.strictObject({
    kubeconfig: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
});
export type ClusterInput = z.infer<typeof clusterSchema>;

// ---- settings

/** Where Istio's Helm charts come from. */
export type ChartSource =
    /** Istio's official charts for the version's line (components/charts/chartReference.ts). */
    | { readonly kind: "official" }
    /** A Helm repository (https://) or OCI registry path (oci://), e.g. a mirror. */
    | { readonly kind: "repository"; readonly url: string }
    /** A local folder of unpacked charts, for air-gapped installs. `{version}` in the path is replaced. */
    | { readonly kind: "directory"; readonly path: string };

export interface IstiodSettings {
    readonly replicas: number;
    readonly autoscale: {
        readonly enabled: boolean;
        readonly min: number;
        readonly max: number;
        readonly targetCpuUtilization: number;
    };
    readonly disruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
    readonly resources: ResourceRequirements;
    readonly pod: PodSettings;
    readonly logLevel?: string;
    readonly env: Readonly<Record<string, string>>;
}

export interface ProxySettings {
    /** Undefined keys keep the chart's own values. */
    readonly resources?: ResourceRequirements;
    readonly logLevel?: ProxyLogLevel;
    readonly componentLogLevel?: string;
}

export interface ImageSettings {
    readonly hub: string;
    /** A tag for every revision's images; undefined: each revision's own version (see imageTagFor). */
    readonly tag?: string;
    readonly pullSecrets: readonly string[];
    /** undefined: Istio's default images. */
    readonly variant?: Exclude<ImageVariant, "default">;
}

export interface ClusterSettings {
    /** A kubeconfig path or its contents; undefined means the current kube context (KUBECONFIG or ~/.kube/config). */
    readonly kubeconfig?: string;
    readonly context?: string;
}

// ---- derivations (checks and defaults both use them)

/** The Istio namespace: Istio's conventional one unless configured; istioctl, docs and dashboards expect it. */
export function istioNamespaceOf(namespace: string | undefined): string {
    return namespace ?? "istio-system";
}

/** istiod's pod counts, as the checks and the chart values both read them. */
function istiodPods(istiod: IstiodInput | undefined) {
    // Fixed replicas give a stable preview; HPAs need metrics-server.
    const autoscaleEnabled = istiod?.autoscale?.enabled ?? false;
    // A fixed replica count of 1 is Istio's own default: fine for dev, prod stacks raise it.
    const replicas = istiod?.replicas ?? 1;
    // Istio's chart defaults for the autoscaler: 1 to 5 pods.
    const autoscaleMin = istiod?.autoscale?.min ?? 1;
    const autoscaleMax = istiod?.autoscale?.max ?? 5;
    // One pod must stay up during node drains.
    const minAvailable = istiod?.disruptionBudget?.minAvailable ?? 1;
    return { autoscaleEnabled, replicas, autoscaleMin, autoscaleMax, fewestPods: autoscaleEnabled ? autoscaleMin : replicas, minAvailable };
}

// ---- defaults

// Istio publishes release images here; the charts in Istio's source tree point at a test registry instead.
const OFFICIAL_IMAGE_HUB = "docker.io/istio";

export function toIstiodSettings(istiod: IstiodInput | undefined): IstiodSettings {
    const pods = istiodPods(istiod);
    return {
        replicas: pods.replicas,
        autoscale: {
            enabled: pods.autoscaleEnabled,
            min: pods.autoscaleMin,
            max: pods.autoscaleMax,
            // Istio's chart default: 80% of requested CPU.
            targetCpuUtilization: istiod?.autoscale?.targetCpuUtilization ?? 80,
        },
        // With one pod a budget would block every drain, so it is off then.
        disruptionBudget: { enabled: istiod?.disruptionBudget?.enabled ?? pods.fewestPods > pods.minAvailable, minAvailable: pods.minAvailable },
        // Istio's chart requests 500m/2Gi, sized for large meshes; the same here so capacity plans match Istio's docs.
        resources: istiod?.resources ?? { requests: { cpu: "500m", memory: "2048Mi" } },
        pod: toPodSettings(istiod),
        // Istio's own level (default:info) unless set.
        logLevel: istiod?.logLevel,
        env: istiod?.env ?? {},
    };
}

export function toProxySettings(proxy: ProxyInput | undefined): ProxySettings {
    // Istio's chart values unless set: sidecars are sized per mesh, and Istio's defaults are what its docs measure.
    return nonEmpty({ resources: proxy?.resources, logLevel: proxy?.logLevel, componentLogLevel: proxy?.componentLogLevel });
}

export function toImageSettings(images: ImagesInput | undefined): ImageSettings {
    return {
        hub: images?.hub ?? OFFICIAL_IMAGE_HUB,
        tag: images?.tag,
        pullSecrets: images?.pullSecrets ?? [],
        // Istio's default images unless a variant is chosen.
        variant: images?.variant === undefined || images.variant === "default" ? undefined : images.variant,
    };
}

/** A local folder (from the environment or the configuration) wins; then a repository; else Istio's own charts. */
export function toChartSource(charts: ChartsInput | undefined, environmentDirectory: string | undefined): ChartSource {
    const directory = environmentDirectory ?? charts?.directory;
    if (directory !== undefined) {
        return { kind: "directory", path: directory };
    }
    return charts?.repository !== undefined ? { kind: "repository", url: charts.repository } : { kind: "official" };
}

export function toClusterSettings(cluster: ClusterInput | undefined): ClusterSettings {
    return { kubeconfig: cluster?.kubeconfig, context: cluster?.context };
}

// ---- checks

export function chartIssues(charts: ChartsInput): ConfigIssue[] {
    if (charts.repository !== undefined && charts.directory !== undefined) {
        return [
            {
                path: ["charts"],
                given: { repository: charts.repository, directory: charts.directory },
                message:
                    "charts.repository and charts.directory are mutually exclusive. Choose a single approach: " +
                    "remove charts.directory to pull from the repository, or charts.repository to use the local folder",
            },
        ];
    }
    return [];
}

export function istiodIssues(istiod: IstiodInput): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const pods = istiodPods(istiod);
    if (pods.autoscaleEnabled && istiod.replicas !== undefined) {
        issues.push({
            path: ["istiod", "replicas"],
            given: istiod.replicas,
            message:
                "istiod.replicas and istiod.autoscale.enabled are mutually exclusive (the autoscaler owns the " +
                "replica count). Fix: remove istiod.replicas and set istiod.autoscale.min instead",
        });
    }
    if (pods.autoscaleMin > pods.autoscaleMax) {
        issues.push({
            path: ["istiod", "autoscale", "max"],
            given: pods.autoscaleMax,
            message: `allowed: at least istiod.autoscale.min (${pods.autoscaleMin}). Fix: raise max or lower min`,
        });
    }
    if (istiod.disruptionBudget?.enabled === true && pods.fewestPods <= pods.minAvailable) {
        issues.push({
            path: ["istiod", "disruptionBudget", "enabled"],
            given: true,
            message:
                `a disruption budget keeping ${pods.minAvailable} of ${pods.fewestPods} istiod pod(s) blocks every node drain. ` +
                `Fix: run at least ${pods.minAvailable + 1} pods (istiod.replicas or istiod.autoscale.min), ` +
                "or lower istiod.disruptionBudget.minAvailable, or set enabled to false",
        });
    }
    return issues;
}
