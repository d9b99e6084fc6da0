/**
 * The provider process of the `mesh` package: Pulumi's component provider host, serving the Mesh of index.ts.
 * The engine starts it through the `pulumi-resource-mesh` launcher next to this folder's package.json.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import * as path from "path";
import { Mesh } from "./index";

// The analyzer reads the component's types from this folder's sources (package.json's main, tsconfig.json).
void componentProviderHost({ components: [Mesh], name: "mesh", dirname: path.join(__dirname, "..") });
