/**
 * Rules that involve more than one key. They run on the raw configuration, beside the schema, so that a stack
 * file with both kinds of mistake gets every message in one run. Each rule reads the sections it needs through
 * their own schema and stays silent when a section is malformed (the schema reports that).
 */
import { enrollmentIssues } from "./enrollmentRules";
import { gatewayIssues } from "./gatewayRules";
import { interceptionIssues } from "./interceptionRules";
import { lineSupportIssues } from "./istioVersion";
import { ConfigIssue } from "./issues";
import { pkiIssues } from "./pkiRules";
import { Sections, validSections } from "./sections";

export function crossFieldIssues(raw: unknown): ConfigIssue[] {
    const sections = validSections(raw);
    return [...lineSupportIssues(sections.istio ?? {}), ...istiodIssues(sections), ...chartIssues(sections), ...enrollmentIssues(sections), ...pkiIssues(sections), ...interceptionIssues(sections), ...gatewayIssues(sections)];
}

function chartIssues({ charts }: Sections): ConfigIssue[] {
    if (charts?.repository !== undefined && charts.directory !== undefined) {
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

function istiodIssues({ istiod }: Sections): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const autoscale = istiod?.autoscale;
    const autoscaleOn = autoscale?.enabled === true;
    if (autoscaleOn && istiod?.replicas !== undefined) {
        issues.push({
            path: ["istiod", "replicas"],
            given: istiod.replicas,
            message:
                "istiod.replicas and istiod.autoscale.enabled are mutually exclusive (the autoscaler owns the " +
                "replica count). Fix: remove istiod.replicas and set istiod.autoscale.min instead",
        });
    }
    // The chart's defaults, as in settings.ts.
    const autoscaleMin = autoscale?.min ?? 1;
    const autoscaleMax = autoscale?.max ?? 5;
    if (autoscaleMin > autoscaleMax) {
        issues.push({
            path: ["istiod", "autoscale", "max"],
            given: autoscale?.max ?? autoscaleMax,
            message: `allowed: at least istiod.autoscale.min (${autoscaleMin}). Fix: raise max or lower min`,
        });
    }
    const fewestPods = autoscaleOn ? autoscaleMin : (istiod?.replicas ?? 1);
    const minAvailable = istiod?.disruptionBudget?.minAvailable ?? 1;
    if (istiod?.disruptionBudget?.enabled === true && fewestPods <= minAvailable) {
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
