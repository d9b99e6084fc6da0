/**
 * Gateway API versions: the bundle version each Istio release builds against (the `sigs.k8s.io/gateway-api` module
 * of its go.mod), the bundle versions istiod requires or tolerates per CRD (its CRD watcher ignores CRDs outside
 * them), and semantic-version comparison of bundle versions. Pure data and functions.
 */
import { IstioVersion } from "../config/istioVersion";

/** The annotation every Gateway API CRD (and the bundle's admission policy) carries with its release. */
export const BUNDLE_VERSION_ANNOTATION = "gateway.networking.k8s.io/bundle-version";
/** The annotation that says which channel (standard or experimental) a CRD comes from. */
export const CHANNEL_ANNOTATION = "gateway.networking.k8s.io/channel";
/** The API group of the Gateway API's stable kinds; experimental kinds live in gateway.networking.x-k8s.io. */
export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
export const GATEWAY_API_EXPERIMENTAL_GROUP = "gateway.networking.x-k8s.io";

export const GATEWAY_API_CHANNELS = ["standard", "experimental"] as const;
export type GatewayApiChannel = (typeof GATEWAY_API_CHANNELS)[number];

export interface BundleVersion {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** e.g. "rc.1" or "dev"; undefined for a release. */
    readonly preRelease?: string;
    /** As written, with its leading "v": v1.5.1. */
    readonly text: string;
}

const BUNDLE_VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;

export function parseBundleVersion(text: string): BundleVersion | undefined {
    const match = BUNDLE_VERSION.exec(text.trim());
    if (match === null) {
        return undefined;
    }
    const [major, minor, patch] = [match[1], match[2], match[3]].map(Number);
    return { major, minor, patch, preRelease: match[4], text: `v${major}.${minor}.${patch}${match[4] ? `-${match[4]}` : ""}` };
}

function bundle(text: string): BundleVersion {
    const parsed = parseBundleVersion(text);
    if (parsed === undefined) {
        throw new Error(`not a Gateway API bundle version: ${text}`);
    }
    return parsed;
}

/** Semantic-version order; a pre-release sorts before its release (v1.5.0-dev < v1.5.0). */
export function compareBundleVersions(a: BundleVersion, b: BundleVersion): number {
    const byNumber = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
    if (byNumber !== 0 || a.preRelease === b.preRelease) {
        return byNumber;
    }
    if (a.preRelease === undefined) {
        return 1;
    }
    if (b.preRelease === undefined) {
        return -1;
    }
    return a.preRelease.localeCompare(b.preRelease, "en", { numeric: true });
}

/**
 * istiod's view of a version: it drops the pre-release part before comparing ("we round those up", its CRD
 * watcher says), so v1.5.0-rc.1 meets a v1.5.0 minimum.
 */
export function roundedUp(version: BundleVersion): BundleVersion {
    return { ...version, preRelease: undefined, text: `v${version.major}.${version.minor}.${version.patch}` };
}

interface IstioRange {
    readonly line: string;
    /** The first patch release of the line this entry applies to (pre-releases count as patch 0). */
    readonly fromPatch: number;
}

interface BuildEntry extends IstioRange {
    readonly gatewayApi: string;
}

/**
 * `sigs.k8s.io/gateway-api` in go.mod at each release tag (`git show <tag>:go.mod`): 1.29.0 to 1.29.2 v1.4.0,
 * 1.29.3 on v1.4.1, every 1.30 release v1.5.1, 1.31 (from 1.31.0-alpha.0) v1.6.0. Newest entry of a line first.
 */
const BUILT_AGAINST: readonly BuildEntry[] = [
    { line: "1.29", fromPatch: 3, gatewayApi: "v1.4.1" },
    { line: "1.29", fromPatch: 0, gatewayApi: "v1.4.0" },
    { line: "1.30", fromPatch: 0, gatewayApi: "v1.5.1" },
    { line: "1.31", fromPatch: 0, gatewayApi: "v1.6.0" },
];

interface CrdBounds extends IstioRange {
    /** CRD name -> the lowest bundle version istiod watches; below it, resources of the kind are ignored. */
    readonly minimums: Readonly<Record<string, string>>;
    /** CRD name -> the highest bundle version istiod watches (its client targets an API version no longer served above). */
    readonly maximums: Readonly<Record<string, string>>;
}

const MINIMUMS_1_29 = { "grpcroutes.gateway.networking.k8s.io": "v1.1.0", "backendtlspolicies.gateway.networking.k8s.io": "v1.4.0" };
const MINIMUMS_1_30 = { ...MINIMUMS_1_29, "tlsroutes.gateway.networking.k8s.io": "v1.5.0" };
const MINIMUMS_1_31 = { ...MINIMUMS_1_30, "tcproutes.gateway.networking.k8s.io": "v1.6.0" };

/**
 * istiod's CRD watcher at each release tag (pkg/kube/kclient/crdwatcher.go, and from 1.30.1
 * pkg/config/schema/gatewayapi/minimumversions.go): minimumCRDVersions / MinimumCRDVersions and, on 1.29 from
 * 1.29.2, MaximumCRDVersions. Newest entry of a line first.
 */
const CRD_BOUNDS: readonly CrdBounds[] = [
    { line: "1.29", fromPatch: 3, minimums: MINIMUMS_1_29, maximums: { "tlsroutes.gateway.networking.k8s.io": "v1.4.1" } },
    { line: "1.29", fromPatch: 2, minimums: MINIMUMS_1_29, maximums: { "tlsroutes.gateway.networking.k8s.io": "v1.4.0" } },
    { line: "1.29", fromPatch: 0, minimums: MINIMUMS_1_29, maximums: {} },
    { line: "1.30", fromPatch: 0, minimums: MINIMUMS_1_30, maximums: {} },
    { line: "1.31", fromPatch: 0, minimums: MINIMUMS_1_31, maximums: {} },
];

function entryFor<T extends IstioRange>(entries: readonly T[], version: IstioVersion): T {
    const line = `${version.major}.${version.minor}`;
    const found = entries.find((entry) => entry.line === line && version.patch >= entry.fromPatch);
    if (found === undefined) {
        throw new Error(`no Gateway API data for Istio ${version.text}: only the 1.29, 1.30 and 1.31 lines are known`);
    }
    return found;
}

/** The Gateway API bundle version an Istio release builds against. */
export function gatewayApiVersionFor(version: IstioVersion): BundleVersion {
    return bundle(entryFor(BUILT_AGAINST, version).gatewayApi);
}

export interface CrdRequirement {
    readonly crd: string;
    readonly minimum?: BundleVersion;
    readonly maximum?: BundleVersion;
}

/** The bundle versions an istiod release watches, per CRD (only CRDs with a bound are listed). */
export function istiodCrdRequirements(version: IstioVersion): CrdRequirement[] {
    const bounds = entryFor(CRD_BOUNDS, version);
    const names = [...new Set([...Object.keys(bounds.minimums), ...Object.keys(bounds.maximums)])].sort();
    return names.map((crd) => ({
        crd,
        ...(bounds.minimums[crd] !== undefined ? { minimum: bundle(bounds.minimums[crd]) } : {}),
        ...(bounds.maximums[crd] !== undefined ? { maximum: bundle(bounds.maximums[crd]) } : {}),
    }));
}

/** The Gateway API project's release manifest for a version and channel (what `kubectl apply -f` of its docs takes). */
export function releaseManifestUrl(version: BundleVersion, channel: GatewayApiChannel): string {
    return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version.text}/${channel}-install.yaml`;
}
