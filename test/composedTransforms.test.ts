/** Several transforms as one callback (components/program/composedTransforms.ts). */
import * as pulumi from "@pulumi/pulumi";
import { composedTransforms } from "../components/program/composedTransforms";

const args = (props: Record<string, unknown>): pulumi.ResourceTransformArgs => ({ type: "kubernetes:core/v1:ConfigMap", name: "cm", custom: true, props, opts: {} });

const addLabel =
    (key: string): pulumi.ResourceTransform =>
    (transformArgs) => ({ props: { ...transformArgs.props, labels: { ...(transformArgs.props.labels as object), [key]: String(Object.keys(transformArgs.props.labels ?? {}).length) } }, opts: transformArgs.opts });
const protect: pulumi.ResourceTransform = (transformArgs) => ({ props: transformArgs.props, opts: { ...transformArgs.opts, protect: true } });
const nothing: pulumi.ResourceTransform = () => undefined;

describe("composedTransforms", () => {
    test("applies each in order, each seeing what the previous returned", () => {
        const result = composedTransforms(addLabel("a"), nothing, addLabel("b"), protect)(args({ data: { x: "1" } }));
        expect(result).toEqual({ props: { data: { x: "1" }, labels: { a: "0", b: "1" } }, opts: { protect: true } });
    });

    test("returns undefined when none changed anything, as a single transform would", () => {
        expect(composedTransforms(nothing, nothing)(args({ data: {} }))).toBeUndefined();
        expect(composedTransforms()(args({ data: {} }))).toBeUndefined();
    });

    test("waits for asynchronous transforms and keeps the order", async () => {
        const later: pulumi.ResourceTransform = async (transformArgs) => addLabel("later")(transformArgs) as pulumi.ResourceTransformResult;
        const result = await composedTransforms(addLabel("a"), later, addLabel("b"))(args({}));
        expect(result).toEqual({ props: { labels: { a: "0", later: "1", b: "2" } }, opts: {} });
        await expect(Promise.resolve(composedTransforms(async () => undefined, nothing)(args({})))).resolves.toBeUndefined();
    });
});
