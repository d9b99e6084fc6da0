/**
 * Namespaces in the mesh: those the stack owns are created with their enrollment label; existing ones are labeled
 * through a server-side-apply patch that owns only the label, so a destroy removes the label and leaves the
 * namespace.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NamespaceEnrollment } from "../config/enrollment";
import { namespaceLabels } from "./labels";

export interface EnrollmentArgs {
    readonly namespaces: readonly NamespaceEnrollment[];
    /** The names of namespaces created elsewhere in the program, by their enrollment's name (namespaces[].name). */
    readonly names?: Readonly<Record<string, pulumi.Input<string>>>;
}

export class Enrollment extends pulumi.ComponentResource {
    static readonly __pulumiType = "mesh:istio:Enrollment";

    static isInstance(obj: unknown): obj is Enrollment {
        return obj instanceof Enrollment;
    }

    /** The names of the enrolled namespaces, once labeled. */
    readonly namespaces: pulumi.Output<string[]>;
    /** Each enrolled namespace's name, once labeled, by name: what gateways in it depend on. */
    readonly byName: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: EnrollmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super(Enrollment.__pulumiType, name, {}, opts);
        const names = args.namespaces.map((namespace) => {
            const labels = namespaceLabels(namespace);
            if (namespace.existing) {
                return new k8s.core.v1.NamespacePatch(
                    `${name}-${namespace.name}`,
                    { metadata: { name: args.names?.[namespace.name] ?? namespace.name, labels } },
                    { parent: this },
                ).metadata.name;
            }
            const podSecurity: Record<string, string> = namespace.podSecurity !== undefined ? { "pod-security.kubernetes.io/enforce": namespace.podSecurity } : {};
            return new k8s.core.v1.Namespace(
                `${name}-${namespace.name}`,
                { metadata: { name: namespace.name, labels: { ...labels, ...podSecurity } } },
                { parent: this },
            ).metadata.name;
        });
        this.namespaces = pulumi.all(names);
        this.byName = Object.fromEntries(args.namespaces.map((namespace, index) => [namespace.name, names[index]]));
        this.registerOutputs({ namespaces: this.namespaces });
    }
}
