/**
 * The mesh's policy pack. Run it with a preview or an update:
 *
 *   pulumi preview --stack prod --policy-pack policy
 *
 * The Pulumi CLI tells the pack which stack it checks (pulumi.getStack()); on prod every violation is mandatory and
 * stops the deployment, elsewhere it is advisory. The rules are in rules.ts, the policies in policies.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
import { policyPackArgs } from "./policies";

new PolicyPack("istio-mesh", policyPackArgs(pulumi.getStack()));
