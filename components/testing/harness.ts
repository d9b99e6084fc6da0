/**
 * The mock harness for unit tests, the project's and its users': Pulumi's mock runtime, a recorder of every
 * registered resource, per-type overrides, and helpers to read Outputs, dependencies and settled registrations.
 */
import * as pulumi from "@pulumi/pulumi";
import * as settingsModule from "@pulumi/pulumi/runtime/settings";
import { READ_STACK_OUTPUTS } from "../program/stackOutputs";

/** The SDK's drain of outstanding resource calls; exported by the module, left out of its published types. */
const runtimeSettings = settingsModule as unknown as { waitForRPCs(): Promise<void> };

export interface RegisteredResource {
    readonly type: string;
    readonly name: string;
    /** The inputs, with secrets shown as their plain values (see secretInputs). */
    readonly inputs: Record<string, unknown>;
    /** The top-level inputs that arrived as secrets. */
    readonly secretInputs: readonly string[];
    readonly provider?: string;
    readonly custom: boolean;
}

export type MockState = Record<string, unknown>;

/** Returns the state a resource of one type reports; the harness adds inputs underneath it. */
export type ResourceOverride = (args: pulumi.runtime.MockResourceArgs) => MockState;

export interface MockOptions {
    /** Run as `pulumi preview`: outputs that only a provider computes stay unknown. */
    readonly preview?: boolean;
    /** State per resource type token, e.g. real PEM for tls resources. */
    readonly overrides?: Record<string, ResourceOverride>;
    /** Invoke results per function token; any other invoke throws. */
    readonly calls?: Record<string, (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>>;
    /**
     * The outputs of the other stacks the program reads (a CA stack, peers' stacks, a root's stack), by stack name;
     * reading any other stack fails as the engine does. A test changes them between runs through the same object.
     */
    readonly stacks?: Record<string, Record<string, unknown>>;
    /** The project the program runs in: `new pulumi.Config()` reads `<project>:<key>`. Default: istio-mesh. */
    readonly project?: string;
    /** The stack the program runs in (`pulumi.getStack()`). Default: test. */
    readonly stack?: string;
}

/** A PEM block that names the resource it stands for, so tests can follow it through the wiring. */
export function fakePem(label: string, name: string): string {
    return `-----BEGIN ${label}-----\n${Buffer.from(name).toString("base64")}\n-----END ${label}-----\n`;
}

/** The text a fakePem names. */
export function pemName(pem: string): string {
    return Buffer.from(pem.split("\n")[1], "base64").toString();
}

/**
 * The tls provider's (and the intermediate signer's) computed outputs: PEM that names its resource, and a fixed
 * expiry. Real certificates are made and verified by signing.test.ts and by the end-to-end suite.
 */
const TLS_OVERRIDES: Record<string, ResourceOverride> = {
    "tls:index/privateKey:PrivateKey": (args) => ({ privateKeyPem: fakePem("PRIVATE KEY", `key ${args.name}`) }),
    "tls:index/certRequest:CertRequest": (args) => ({ certRequestPem: fakePem("CERTIFICATE REQUEST", `request ${args.name}`) }),
    "tls:index/selfSignedCert:SelfSignedCert": (args) => ({
        certPem: fakePem("CERTIFICATE", `certificate ${args.name}`),
        validityEndTime: "2036-01-01T00:00:00Z",
    }),
    "pulumi-nodejs:dynamic/pki:IntermediateCertificate": (args) => ({
        certPem: fakePem("CERTIFICATE", `certificate ${args.name}`),
        validityEndTime: "2027-01-01T00:00:00Z",
    }),
    "tls:index/locallySignedCert:LocallySignedCert": (args) => ({
        certPem: fakePem("CERTIFICATE", `certificate ${args.name}`),
        validityEndTime: "2027-01-01T00:00:00Z",
    }),
};

export class MockHarness {
    readonly resources: RegisteredResource[] = [];
    /** Every invoke, in order: its function token and arguments (e.g. which stacks the program read). */
    readonly invokes: { readonly token: string; readonly inputs: Record<string, unknown> }[] = [];
    private readonly dependsOnByName = new Map<string, { type: string; dependsOn: pulumi.Input<pulumi.Resource>[] }[]>();

    constructor(private readonly options: MockOptions = {}) {}

    /** Forget what earlier tests registered. */
    reset(): void {
        this.resources.length = 0;
        this.invokes.length = 0;
        this.dependsOnByName.clear();
    }

    readonly mocks: pulumi.runtime.Mocks = {
        newResource: (args) => {
            this.resources.push({
                type: args.type,
                name: args.name,
                inputs: reveal(args.inputs) as Record<string, unknown>,
                secretInputs: Object.keys(args.inputs).filter((key) => isSecretValue(args.inputs[key])),
                provider: args.provider,
                custom: args.custom ?? false,
            });
            const override = this.options.overrides?.[args.type] ?? TLS_OVERRIDES[args.type];
            const computed = override ? override(args) : {};
            return {
                // In a preview, a provider has not created anything yet: no id, and only inputs are known.
                id: this.options.preview ? undefined : `${args.name}-id`,
                state: this.options.preview ? { ...args.inputs } : { ...args.inputs, ...computed },
            };
        },
        call: (args) => {
            this.invokes.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
            if (args.token === READ_STACK_OUTPUTS && this.options.stacks !== undefined && this.options.calls?.[args.token] === undefined) {
                return this.stackOutputs(String(args.inputs.name));
            }
            const handler = this.options.calls?.[args.token];
            if (handler === undefined) {
                throw new Error(`No mock for the invoke ${args.token}; add it to the harness's calls`);
            }
            return handler(args);
        },
    };

    private stackOutputs(stack: string): Record<string, unknown> {
        const outputs = this.options.stacks?.[stack];
        if (outputs === undefined) {
            throw new Error(`unknown stack ${stack} (the harness's stacks: ${Object.keys(this.options.stacks ?? {}).join(", ") || "none"})`);
        }
        return { name: stack, outputs };
    }

    /** The stacks the program read, in order (each read of another stack's outputs). */
    stacksRead(): string[] {
        return this.invokes.filter((invoke) => invoke.token === READ_STACK_OUTPUTS).map((invoke) => String(invoke.inputs.name));
    }

    /**
     * A resource option that records each resource's dependsOn; pass it in the options of the component under
     * test (`transformations` reach every descendant, and run in the SDK, so they work under mocks).
     */
    readonly recordDependencies: pulumi.ResourceTransformation = (args) => {
        const dependsOn = args.opts.dependsOn;
        if (dependsOn !== undefined) {
            const recorded = this.dependsOnByName.get(args.name) ?? [];
            recorded.push({ type: args.type, dependsOn: Array.isArray(dependsOn) ? dependsOn : [dependsOn as pulumi.Input<pulumi.Resource>] });
            this.dependsOnByName.set(args.name, recorded);
        }
        return undefined;
    };

    /**
     * The names of the resources that `name` was given in dependsOn. A component and its main child share a name;
     * pass the type when both were given dependsOn.
     */
    async dependenciesOf(name: string, type?: string): Promise<string[]> {
        const recorded = (this.dependsOnByName.get(name) ?? []).filter((entry) => type === undefined || entry.type === type);
        if (recorded.length > 1) {
            throw new Error(`${name} names ${recorded.map((entry) => entry.type).join(" and ")}; pass the type`);
        }
        const dependsOn = recorded[0]?.dependsOn ?? [];
        const resources = await Promise.all(dependsOn.map((dependency) => unwrap(dependency)));
        const urns = await Promise.all(resources.map((resource) => unwrap(resource.urn)));
        return urns.map((urn) => urn.split("::").pop()!).sort();
    }

    /**
     * Waits until no resource registration is still in flight: the runtime's own queue of outstanding calls (what
     * the engine waits for before a program ends) is drained, and drained again while draining it let more
     * resources register (children made in an apply). No timer: it returns as soon as the work is done.
     */
    async settled(): Promise<void> {
        let count: number;
        do {
            count = this.resources.length;
            await runtimeSettings.waitForRPCs();
            await new Promise((resolve) => setImmediate(resolve));
        } while (this.resources.length !== count);
    }

    ofType(type: string): RegisteredResource[] {
        return this.resources.filter((resource) => resource.type === type);
    }

    named(name: string): RegisteredResource {
        const found = this.resources.filter((resource) => resource.name === name);
        if (found.length !== 1) {
            const names = this.resources.map((resource) => resource.name).join(", ");
            throw new Error(`expected one resource named ${name}, found ${found.length} among: ${names}`);
        }
        return found[0];
    }
}

// How the mock runtime hands a secret input to newResource: a marker object around the plain value.
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function isSecretValue(value: unknown): value is { value: unknown } {
    return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG_VALUE;
}

/** A mock input with secret markers replaced by the values they hold. */
function reveal(value: unknown): unknown {
    if (isSecretValue(value)) {
        return reveal(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(reveal);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, reveal(inner)]));
    }
    return value;
}

/** Installs Pulumi's mocks and returns the harness that records what the program registers. */
export function useMocks(options: MockOptions = {}): MockHarness {
    const harness = new MockHarness(options);
    // This project's name and a stack named for what it is, unless the caller's program runs elsewhere.
    void pulumi.runtime.setMocks(harness.mocks, options.project ?? "istio-mesh", options.stack ?? "test", options.preview ?? false);
    return harness;
}

/** The value of an Input or Output, once known. Resolves never for an unknown value: check isKnown first. */
export function unwrap<T>(value: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => {
        pulumi.output(value).apply((known) => {
            resolve(known as T);
            return known;
        });
    });
}

/** Whether an Output is known (false for computed values in a preview). */
export function isKnown<T>(value: pulumi.Output<T>): Promise<boolean> {
    return (value as unknown as { isKnown: Promise<boolean> }).isKnown;
}
