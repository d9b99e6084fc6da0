/**
 * Several resource transforms as one. The engine calls each transform of a resource (its own, then its parents') as
 * a separate callback into the program, sending the resource's whole inputs each time: for a chart's children, the
 * program decodes every object once per transform, and Istio's CRDs alone are over a megabyte. Composed, each object
 * is sent, decoded and (when changed) encoded once per component, whatever the number of concerns it applies.
 */
import * as pulumi from "@pulumi/pulumi";

type Step = pulumi.ResourceTransformResult | undefined;

/**
 * One transform that applies `transforms` in order, each seeing the props and options the previous ones returned (as
 * the engine chains them); undefined when none changed anything. Synchronous when they all are.
 */
export function composedTransforms(...transforms: readonly pulumi.ResourceTransform[]): pulumi.ResourceTransform {
    return (args) => {
        let current: pulumi.ResourceTransformArgs = args;
        let changed = false;
        const apply = (result: Step) => {
            if (result !== undefined) {
                current = { ...current, props: result.props, opts: result.opts };
                changed = true;
            }
        };
        const finish = (): Step => (changed ? { props: current.props, opts: current.opts } : undefined);
        for (let i = 0; i < transforms.length; i++) {
            const result = transforms[i](current);
            if (result instanceof Promise) {
                return (async () => {
                    apply(await result);
                    for (const rest of transforms.slice(i + 1)) {
                        apply(await rest(current));
                    }
                    return finish();
                })();
            }
            apply(result);
        }
        return finish();
    };
}
