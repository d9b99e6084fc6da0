/** istioctl with the same charts, release and profile as the stack: the anchor of the cold up. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../test/e2e/workspace";

/**
 * A manifests folder for istioctl's -d: the charts folder of Istio's source layout and Istio's profiles. Copies of the
 * charts usually come without manifests/profiles; istioctl needs it, so it gets Istio's default profile (unchanged
 * across 1.29 to 1.31) and the minimal one (the default without the ingress gateway).
 */
export function istioctlManifests(chartsRoot: string, scratch: string): string | undefined {
    for (const candidate of [path.join(chartsRoot, "manifests"), chartsRoot]) {
        if (fs.existsSync(path.join(candidate, "charts", "istio-control")) && fs.existsSync(path.join(candidate, "profiles", "minimal.yaml"))) {
            return candidate;
        }
    }
    const charts = [path.join(chartsRoot, "manifests", "charts"), path.join(chartsRoot, "charts"), chartsRoot].find((candidate) =>
        fs.existsSync(path.join(candidate, "istio-control")),
    );
    if (charts === undefined) {
        return undefined;
    }
    const manifests = path.join(scratch, "istioctl-manifests");
    fs.mkdirSync(path.join(manifests, "profiles"), { recursive: true });
    fs.symlinkSync(charts, path.join(manifests, "charts"));
    fs.writeFileSync(path.join(manifests, "profiles", "default.yaml"), ISTIO_DEFAULT_PROFILE);
    fs.writeFileSync(path.join(manifests, "profiles", "minimal.yaml"), ISTIO_MINIMAL_PROFILE);
    return manifests;
}

/** istioctl's flags for the minimal profile of these manifests, with the images of `version`. */
export function istioctlFlags(manifests: string, version: string): string[] {
    return ["-d", manifests, "--set", "profile=minimal", "--set", "values.global.hub=docker.io/istio", "--set", `tag=${version}`];
}

/** The release istioctl and pilot-discovery were built for, when both are built. */
export function builtIstioVersion(): string | undefined {
    const bin = path.join(PROJECT_ROOT, ".local", "bin");
    if (!fs.existsSync(path.join(bin, "pilot-discovery")) || !fs.existsSync(path.join(bin, "istioctl"))) {
        return undefined;
    }
    const output = execFileSync(path.join(bin, "istioctl"), ["version", "--remote=false", "-o", "json"], { encoding: "utf8" });
    return (JSON.parse(output) as { clientVersion: { version: string } }).clientVersion.version;
}

/** manifests/profiles/default.yaml of Istio's source. */
const ISTIO_DEFAULT_PROFILE = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  namespace: istio-system
spec:
  hub: registry.istio.io/testing
  tag: latest
  components:
    base:
      enabled: true
    pilot:
      enabled: true
    ingressGateways:
    - name: istio-ingressgateway
      enabled: true
    egressGateways:
    - name: istio-egressgateway
      enabled: false
  values:
    defaultRevision: ""
    global:
      istioNamespace: istio-system
      configValidation: true
    gateways:
      istio-ingressgateway: {}
      istio-egressgateway: {}
    ztunnel:
      resourceName: ztunnel
`;

/** manifests/profiles/minimal.yaml of Istio's source: overlaid on the default profile. */
const ISTIO_MINIMAL_PROFILE = `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  components:
    ingressGateways:
    - name: istio-ingressgateway
      enabled: false
`;
