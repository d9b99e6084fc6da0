import { parseMeshConfig } from "../components/config/load";
import { configProblems, configWith, minimalConfig, settingsWith } from "./fixtures";

describe("malformed configurations name the key, the value, what is allowed and the fix", () => {
    const cases: Array<[string, unknown, string[]]> = [
        [
            "no configuration at all",
            undefined,
            [
                "mesh: got nothing; required: the mesh configuration. Fix: pulumi config set --path 'mesh.istio.version' 1.30.3 (see Pulumi.dev.yaml for a complete example)",
            ],
        ],
        [
            "no version",
            { istio: {} },
            [
                "mesh.istio.version: got nothing; required: the exact Istio release to install, pinned per stack (there is no default so that an upgrade is always a reviewed change). Fix: pulumi config set --path 'mesh.istio.version' 1.30.3",
            ],
        ],
        [
            "a version that YAML read as a number",
            { istio: { version: 1.3 } },
            [
                'mesh.istio.version: got 1.3; allowed: an exact Istio release as a quoted string (YAML reads 1.30 as a number). Fix: write it in quotes, e.g. "1.30.3"',
            ],
        ],
        [
            "a version range",
            { istio: { version: "~1.30" } },
            [
                'mesh.istio.version: got "~1.30"; allowed: an exact Istio release MAJOR.MINOR.PATCH with an optional pre-release, e.g. 1.30.3 or 1.31.0-rc.0 (no leading \'v\', no ranges). Fix: pin the exact release, e.g. 1.30.3',
            ],
        ],
        [
            "an unsupported line",
            { istio: { version: "1.28.2" } },
            [
                'mesh.istio.version: got "1.28.2"; allowed: a release on the 1.30, 1.31 lines (Istio\'s supported lines). Fix: pin a supported release, e.g. 1.31.0',
            ],
        ],
        [
            "a revision that is not a DNS-1123 label",
            configWith({ istio: { revision: "1.30.3" } }),
            [
                'mesh.istio.revision: got "1.30.3"; allowed: a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit). Fix: rewrite it in that form, e.g. 1-30-3',
            ],
        ],
        [
            "the reserved revision name",
            configWith({ istio: { revision: "default" } }),
            [
                'mesh.istio.revision: got "default"; allowed: any DNS-1123 label except "default", which Istio reserves for the default revision tag. Fix: remove the key to derive it from the version (e.g. 1-30-3)',
            ],
        ],
        [
            "an unknown profile",
            configWith({ istio: { profile: "ambient" } }),
            [
                'mesh.istio.profile: got "ambient"; allowed: one of "default", "demo", "preview", "remote", "stable". Fix: pulumi config set --path \'mesh.istio.profile\' default',
            ],
        ],
        [
            "an unknown platform",
            configWith({ istio: { platform: "aws" } }),
            [
                'mesh.istio.platform: got "aws"; allowed: one of "gke", "k3d", "k3s", "microk8s", "minikube", "openshift", "eks", "aks". Fix: pulumi config set --path \'mesh.istio.platform\' gke',
            ],
        ],
        [
            "a misspelt key",
            configWith({ meshConfig: { accessLog: "/dev/stdout" } }),
            [
                'mesh.meshConfig.accessLog: got "/dev/stdout"; unknown key "accessLog". Fix: remove it or correct its spelling (the README\'s configuration reference lists every key under mesh.meshConfig)',
            ],
        ],
        [
            "both a chart repository and a chart directory",
            configWith({ charts: { repository: "oci://mirror.example.com/istio", directory: "/srv/charts" } }),
            [
                'mesh.charts: got {"repository":"oci://mirror.example.com/istio","directory":"/srv/charts"}; charts.repository and charts.directory are mutually exclusive. Choose a single approach: remove charts.directory to pull from the repository, or charts.repository to use the local folder',
            ],
        ],
        [
            "a chart repository that is not a URL",
            configWith({ charts: { repository: "ghcr.io/istio/release/charts" } }),
            [
                'mesh.charts.repository: got "ghcr.io/istio/release/charts"; allowed: a Helm repository URL (https://...) or an OCI registry path (oci://...). Fix: e.g. oci://registry.example.com/istio/charts',
            ],
        ],
        [
            "the latest image tag",
            configWith({ images: { tag: "latest" } }),
            [
                "mesh.images.tag: got \"latest\"; allowed: a pinned tag; 'latest' moves under a running mesh. Fix: remove the key to use the Istio version, or pin e.g. 1.30.3",
            ],
        ],
        [
            "an image pull secret with an invalid name",
            configWith({ images: { pullSecrets: ["Registry_Creds"] } }),
            [
                'mesh.images.pullSecrets[0]: got "Registry_Creds"; allowed: a Kubernetes object name (lowercase letters, digits, \'-\' and \'.\'). Fix: use the object\'s exact name, e.g. registry-credentials',
            ],
        ],
        [
            "zero istiod replicas",
            configWith({ istiod: { replicas: 0 } }),
            ["mesh.istiod.replicas: got 0; allowed: at least 1 (istiod pods when autoscaling is off). Fix: e.g. 2"],
        ],
        [
            "replicas as a string",
            configWith({ istiod: { replicas: "2" } }),
            [
                'mesh.istiod.replicas: got "2"; allowed: a whole number (istiod pods when autoscaling is off). Fix: write a number without quotes, e.g. 2',
            ],
        ],
        [
            "replicas together with autoscaling",
            configWith({ istiod: { replicas: 3, autoscale: { enabled: true } } }),
            [
                "mesh.istiod.replicas: got 3; istiod.replicas and istiod.autoscale.enabled are mutually exclusive (the autoscaler owns the replica count). Fix: remove istiod.replicas and set istiod.autoscale.min instead",
            ],
        ],
        [
            "an autoscaler whose minimum exceeds its maximum",
            configWith({ istiod: { autoscale: { enabled: true, min: 4, max: 2 } } }),
            ["mesh.istiod.autoscale.max: got 2; allowed: at least istiod.autoscale.min (4). Fix: raise max or lower min"],
        ],
        [
            "a disruption budget on a single pod",
            configWith({ istiod: { disruptionBudget: { enabled: true } } }),
            [
                "mesh.istiod.disruptionBudget.enabled: got true; a disruption budget keeping 1 of 1 istiod pod(s) blocks every node drain. Fix: run at least 2 pods (istiod.replicas or istiod.autoscale.min), or lower istiod.disruptionBudget.minAvailable, or set enabled to false",
            ],
        ],
        [
            "a resource quantity that Kubernetes cannot read",
            configWith({ istiod: { resources: { requests: { memory: "2 GB" } } } }),
            [
                'mesh.istiod.resources.requests.memory: got "2 GB"; allowed: a Kubernetes quantity such as 500m, 2, 128Mi or 2Gi. Fix: write it as a quoted string, e.g. "2Gi"',
            ],
        ],
        [
            "an outbound traffic policy in lower case",
            configWith({ meshConfig: { outboundTrafficPolicy: "registry_only" } }),
            [
                'mesh.meshConfig.outboundTrafficPolicy: got "registry_only"; allowed: one of "ALLOW_ANY", "REGISTRY_ONLY". Fix: pulumi config set --path \'mesh.meshConfig.outboundTrafficPolicy\' ALLOW_ANY',
            ],
        ],
        [
            "a boolean written as a string",
            configWith({ meshConfig: { holdApplicationUntilProxyStarts: "yes" } }),
            [
                'mesh.meshConfig.holdApplicationUntilProxyStarts: got "yes"; allowed: a boolean. Fix: write mesh.meshConfig.holdApplicationUntilProxyStarts as a boolean (true or false, without quotes)',
            ],
        ],
        [
            "a relative access log path",
            configWith({ meshConfig: { accessLogFile: "stdout" } }),
            [
                'mesh.meshConfig.accessLogFile: got "stdout"; allowed: "" (access logs off) or an absolute path such as /dev/stdout. Fix: e.g. /dev/stdout',
            ],
        ],
        [
            "a trust domain written as a SPIFFE URI",
            configWith({ meshConfig: { trustDomain: "spiffe://Prod.Example.com" } }),
            [
                'mesh.meshConfig.trustDomain: got "spiffe://Prod.Example.com"; allowed: a SPIFFE trust domain (lowercase letters, digits, \'.\', \'-\' and \'_\'; no scheme, port or path). Fix: e.g. prod.example.com',
            ],
        ],
        [
            "a namespace with upper-case letters",
            configWith({ namespace: "Istio-System" }),
            [
                'mesh.namespace: got "Istio-System"; allowed: a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit). Fix: rewrite it in that form, e.g. istio-system',
            ],
        ],
    ];

    test.each(cases)("%s", (_title, raw, expected) => {
        expect(configProblems(raw)).toEqual(expected);
    });

    test("has at least fifteen distinct malformed configurations", () => {
        expect(new Set(cases.map(([title]) => title)).size).toBeGreaterThanOrEqual(15);
    });
});

describe("every problem of a configuration is reported at once", () => {
    test("schema and cross-field problems come together, in one error", () => {
        const problems = configProblems({
            istio: { version: "1.27.0", platform: "aws" },
            namespace: "Istio",
            istiod: { replicas: 1, disruptionBudget: { enabled: true } },
        });
        expect(problems.map((problem) => problem.split(":")[0])).toEqual([
            "mesh.istio.version",
            "mesh.istio.platform",
            "mesh.namespace",
            "mesh.istiod.disruptionBudget.enabled",
        ]);
    });

    test("the error's first line names the stack and the count, and says nothing changed", () => {
        let message = "";
        try {
            parseMeshConfig({ istio: { version: "2.0.0" }, namespace: "_" }, {}, "prod");
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message.split("\n")[0]).toBe('Invalid mesh configuration of stack "prod" (2 problems); nothing was changed:');
    });
});

describe("defaults and derived values", () => {
    test("the minimal configuration gets Istio's defaults and a revision derived from the version", () => {
        const settings = parseMeshConfig(minimalConfig());
        expect(settings.istio.version.text).toBe("1.30.3");
        expect(settings.istio.revision).toBe("1-30-3");
        expect(settings.istio.profile).toBe("default");
        expect(settings.istio.platform).toBeUndefined();
        expect(settings.namespace).toBe("istio-system");
        expect(settings.charts).toEqual({ kind: "official" });
        expect(settings.images).toEqual({ hub: "docker.io/istio", tag: undefined, pullSecrets: [] });
        expect(settings.istiod).toEqual({
            replicas: 1,
            autoscale: { enabled: false, min: 1, max: 5, targetCpuUtilization: 80 },
            disruptionBudget: { enabled: false, minAvailable: 1 },
            resources: { requests: { cpu: "500m", memory: "2048Mi" } },
            pod: { nodeSelector: {}, tolerations: [], affinity: {}, topologySpreadConstraints: [], priorityClassName: undefined, podAnnotations: {}, podLabels: {} },
            logLevel: undefined,
            env: {},
        });
        expect(settings.meshConfig).toEqual({
            accessLogFile: "",
            accessLogEncoding: "TEXT",
            outboundTrafficPolicy: "ALLOW_ANY",
            holdApplicationUntilProxyStarts: true,
            trustDomain: "cluster.local",
            trustDomainAliases: [],
            passThrough: {},
        });
        expect(settings.cluster).toEqual({ kubeconfig: undefined, context: undefined });
    });

    test("a pre-release version derives a DNS-safe revision", () => {
        expect(settingsWith({ istio: { version: "1.31.0-rc.0" } }).istio.revision).toBe("1-31-0-rc-0");
    });

    test("an explicit revision wins over the derived one", () => {
        expect(settingsWith({ istio: { revision: "canary" } }).istio.revision).toBe("canary");
    });

    test("a disruption budget turns on by itself with more pods than it keeps", () => {
        expect(settingsWith({ istiod: { replicas: 2 } }).istiod.disruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
        expect(settingsWith({ istiod: { autoscale: { enabled: true, min: 3 } } }).istiod.disruptionBudget.enabled).toBe(true);
        expect(settingsWith({ istiod: { replicas: 3, disruptionBudget: { enabled: false } } }).istiod.disruptionBudget.enabled).toBe(false);
    });

    test("the chart directory from the environment wins over a configured repository", () => {
        const settings = settingsWith({ charts: { repository: "oci://mirror.example.com/istio" } }, { chartsDirectory: "/srv/istio/{version}" });
        expect(settings.charts).toEqual({ kind: "directory", path: "/srv/istio/{version}" });
    });

    test("a configured repository replaces the official source", () => {
        expect(settingsWith({ charts: { repository: "https://charts.example.com/istio" } }).charts).toEqual({
            kind: "repository",
            url: "https://charts.example.com/istio",
        });
    });
});
