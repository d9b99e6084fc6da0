/**
 * Rules that involve more than one key. They run on the raw configuration, beside the schema, so that a stack
 * file with both kinds of mistake gets every message in one run; each rule looks only at keys of the right type.
 */
import { ConfigIssue } from "./issues";

type Raw = Record<string, unknown>;

function section(root: unknown, ...path: string[]): Raw {
    let current: unknown = root;
    for (const key of path) {
        current = current !== null && typeof current === "object" ? (current as Raw)[key] : undefined;
    }
    return current !== null && typeof current === "object" && !Array.isArray(current) ? (current as Raw) : {};
}

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value);

export function crossFieldIssues(raw: unknown): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const istio = section(raw, "istio");
    const charts = section(raw, "charts");
    const istiod = section(raw, "istiod");
    const autoscale = section(raw, "istiod", "autoscale");
    const budget = section(raw, "istiod", "disruptionBudget");

    if (istio.revision === "default") {
        issues.push({
            path: ["istio", "revision"],
            given: istio.revision,
            message:
                'allowed: any DNS-1123 label except "default", which Istio reserves for the default revision tag. ' +
                "Fix: remove the key to derive it from the version (e.g. 1-30-3)",
        });
    }

    if (charts.repository !== undefined && charts.directory !== undefined) {
        issues.push({
            path: ["charts"],
            given: { repository: charts.repository, directory: charts.directory },
            message:
                "charts.repository and charts.directory are mutually exclusive. Choose a single approach: " +
                "remove charts.directory to pull from the repository, or charts.repository to use the local folder",
        });
    }

    const autoscaleOn = autoscale.enabled === true;
    if (autoscaleOn && istiod.replicas !== undefined) {
        issues.push({
            path: ["istiod", "replicas"],
            given: istiod.replicas,
            message:
                "istiod.replicas and istiod.autoscale.enabled are mutually exclusive (the autoscaler owns the " +
                "replica count). Fix: remove istiod.replicas and set istiod.autoscale.min instead",
        });
    }
    const autoscaleMin = isNumber(autoscale.min) ? autoscale.min : 1;
    const autoscaleMax = isNumber(autoscale.max) ? autoscale.max : 5;
    if (autoscaleMin > autoscaleMax) {
        issues.push({
            path: ["istiod", "autoscale", "max"],
            given: autoscale.max ?? autoscaleMax,
            message: `allowed: at least istiod.autoscale.min (${autoscaleMin}). Fix: raise max or lower min`,
        });
    }

    const fewestPods = autoscaleOn ? autoscaleMin : isNumber(istiod.replicas) ? istiod.replicas : 1;
    const minAvailable = isNumber(budget.minAvailable) ? budget.minAvailable : 1;
    if (budget.enabled === true && fewestPods <= minAvailable) {
        issues.push({
            path: ["istiod", "disruptionBudget", "enabled"],
            given: true,
            message:
                `a disruption budget keeping ${minAvailable} of ${fewestPods} istiod pod(s) blocks every node drain. ` +
                `Fix: run at least ${minAvailable + 1} pods (istiod.replicas or istiod.autoscale.min), ` +
                "or lower istiod.disruptionBudget.minAvailable, or set enabled to false",
        });
    }
    return issues;
}
