/**
 * Starts a Node.js policy pack the way Pulumi's Node.js language host does (its RunPlugin for an analyzer plugin),
 * without the engine: `node <@pulumi/pulumi/cmd/run-policy-pack, resolved from the pack's folder> <engine address>
 * <pack folder>`, with the pack's folder as the working directory and the stack given in PULUMI_NODEJS_* variables.
 * The pack prints the port of its gRPC analyzer server; the client here then calls it as the engine does.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";

/** @pulumi/pulumi's own copies of gRPC and protobuf: its generated clients are built on them. */
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof grpcTypes;
const { Empty } = require(require.resolve("google-protobuf/google/protobuf/empty_pb", { paths: [pulumiDir] }));
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }));

export interface PolicyResourceInput {
    readonly type: string;
    readonly urn: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
}

export interface Diagnostic {
    readonly policyName: string;
    readonly message: string;
    readonly enforcement: "advisory" | "mandatory" | "disabled" | "remediate";
    readonly urn: string;
}

export interface AnalyzerInfo {
    readonly name: string;
    readonly version: string;
    readonly policies: readonly { name: string; enforcement: string }[];
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

export class StartedPolicyPack {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: analyzerRpc.AnalyzerClient,
        readonly output: () => string,
    ) {}

    /**
     * Starts the pack in `packDir` for `stack` and waits until it serves; rejects with what it printed when it exits
     * first. No timeout of its own: the test's timeout bounds it.
     */
    static start(packDir: string, stack: string, project = "istio-mesh"): Promise<StartedPolicyPack> {
        const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
        const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", packDir], {
            cwd: packDir,
            env: {
                ...process.env,
                PULUMI_NODEJS_TYPESCRIPT: "true",
                PULUMI_NODEJS_ORGANIZATION: "organization",
                PULUMI_NODEJS_PROJECT: project,
                PULUMI_NODEJS_STACK: stack,
                PULUMI_NODEJS_DRY_RUN: "true",
                PULUMI_CONFIG: "{}",
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        const output = () => `${stdout}${stderr}`.trim();
        return new Promise((resolve, reject) => {
            child.stdout!.on("data", (chunk: Buffer) => {
                stdout += chunk.toString();
                const port = /^(\d+)\s*$/m.exec(stdout)?.[1];
                if (port !== undefined) {
                    const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
                    resolve(new StartedPolicyPack(child, client, output));
                }
            });
            child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            child.on("exit", (code) => reject(new Error(`the policy pack exited with ${code} before serving:\n${output()}`)));
        });
    }

    getAnalyzerInfo(): Promise<AnalyzerInfo> {
        return new Promise((resolve, reject) =>
            this.client.getAnalyzerInfo(new Empty(), (error, info) =>
                error
                    ? reject(error)
                    : resolve({
                          name: info.getName(),
                          version: info.getVersion(),
                          policies: info.getPoliciesList().map((policy) => ({ name: policy.getName(), enforcement: LEVELS[policy.getEnforcementlevel()] })),
                      }),
            ),
        );
    }

    analyzeStack(resources: readonly PolicyResourceInput[]): Promise<Diagnostic[]> {
        const request = new analyzerProto.AnalyzeStackRequest();
        request.setResourcesList(
            resources.map((resource) => {
                const item = new analyzerProto.AnalyzerResource();
                item.setType(resource.type);
                item.setUrn(resource.urn);
                item.setName(resource.name);
                item.setProperties(Struct.fromJavaScript(resource.props));
                // The engine sends every resource's options; the pack refuses a resource without them.
                item.setOptions(new analyzerProto.AnalyzerResourceOptions());
                return item;
            }),
        );
        return new Promise((resolve, reject) =>
            this.client.analyzeStack(request, (error, response) =>
                error
                    ? reject(error)
                    : resolve(
                          response.getDiagnosticsList().map((diagnostic) => ({
                              policyName: diagnostic.getPolicyname(),
                              message: diagnostic.getMessage(),
                              enforcement: LEVELS[diagnostic.getEnforcementlevel()],
                              urn: diagnostic.getUrn(),
                          })),
                      ),
            ),
        );
    }

    /** Closes the connection and ends the pack's process (this one, by its handle). */
    stop(): void {
        this.client.close();
        this.child.kill();
    }
}
