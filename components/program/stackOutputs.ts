/**
 * Outputs of another stack, read each time the program runs and never recorded in this stack's state.
 *
 * A `pulumi.StackReference` is a resource, and its state records every output of the stack it reads: a cluster stack
 * that takes its intermediate from the CA stack through one would hold every cluster's intermediate key, and a
 * cluster that reads its peer's reader kubeconfig would hold everything the peer exports. The engine's builtin
 * function `pulumi:pulumi:readStackOutputs` returns the same outputs (decrypted with the other stack's secrets
 * provider, as a stack reference does) as the result of an invoke, which the engine does not keep: only the values
 * the program takes from it reach this stack's state, in the resources that use them.
 */
import * as pulumi from "@pulumi/pulumi";
import { unprefixedError } from "./readableErrors";

/** The engine's builtin function behind stack references. */
export const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

/** What `pulumi:pulumi:readStackOutputs` returns. */
export interface ReadStackOutputsResult {
    readonly name: string;
    readonly outputs?: Record<string, unknown>;
    readonly secretOutputNames?: readonly string[];
}

/**
 * Every output of `stack` (`org/project/stack`, or `project/stack` and `stack` on a self-managed backend), as one
 * Output: a secret when any of them is one, so take what you need and mark it again (`pulumi.secret`) or release what is
 * public (`pulumi.unsecret`).
 */
export function readStackOutputs(stack: string, parent: pulumi.Resource): pulumi.Output<Record<string, unknown>> {
    return pulumi.runtime
        .invokeOutput<ReadStackOutputsResult>(READ_STACK_OUTPUTS, { name: stack }, { parent })
        .apply((result) => result.outputs ?? {});
}

/** The message for an output `stack` does not have; `key` is the configuration key that names the stack. Pure. */
export function missingStackOutput(key: string, stack: string, output: string): string {
    return `${key}: stack ${stack} has no output "${output}". Fix: up that stack first (its up exports it), or correct ${key}`;
}

/**
 * The named outputs of `stack`, read once, each required as a string: the run fails with `missingStackOutput`'s
 * message when the stack does not export one. `key` is the configuration key that names the stack.
 */
export function requireStackOutputs<K extends string>(key: string, stack: string, names: readonly K[], parent: pulumi.Resource): pulumi.Output<Record<K, string>> {
    return readStackOutputs(stack, parent).apply((outputs) => {
        const missing = names.find((output) => outputs[output] === undefined || outputs[output] === null);
        if (missing !== undefined) {
            throw unprefixedError(new pulumi.ResourceError(missingStackOutput(key, stack, missing), parent, true));
        }
        return Object.fromEntries(names.map((output) => [output, String(outputs[output])])) as Record<K, string>;
    });
}
