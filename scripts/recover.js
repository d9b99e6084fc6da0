// @ts-check
/**
 * Makes `npm run up|preview|destroy` safe to run after an interrupted run (a killed engine, a lost CI runner), with
 * no manual step. Run by scripts/pulumi.sh before the engine; it prints the flags the engine gets (on stdout).
 *
 * - A lock left by a process that no longer runs is cleared, with one line that says whose it was: a lock of this
 *   host whose pid is gone (or is no longer a pulumi process), or a lock of another host older than
 *   LOCK_STALE_HOURS. A lock of a live process is respected: it exits 1 with who holds it and since when.
 * - Operations left pending by the interrupted run are resolved by a refresh that drops the pending creates from the
 *   state (`pulumi refresh --clear-pending-creates`): what they created in the cluster is taken over in place by the
 *   run that follows (the kubernetes provider creates with server-side apply, an upsert of the same object), so
 *   nothing is created twice and nothing recorded is lost. Keys and certificates recorded in the state are kept:
 *   the CA is never generated again by a recovery (only a key whose creation itself was interrupted, which nothing
 *   used yet, is made anew).
 * - `up` and `preview` refresh first (`--refresh`), so what was deleted or edited by hand shows in the preview and
 *   is restored by the up; MESH_REFRESH=false turns that off.
 *
 * Locks and pending operations are read from a local file backend (file://, the project's default). Other backends
 * keep their own locks; this script then only adds the refresh flag.
 *
 * Usage: node scripts/recover.js COMMAND STACK      (COMMAND: up, preview, destroy, ...)
 */
"use strict";
const childProcess = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const zlib = require("zlib");

/** A lock older than this is stale whatever host took it: no up of this stack takes hours. */
const LOCK_STALE_HOURS = 6;

/**
 * @typedef {{ pid: number, username?: string, hostname?: string, timestamp?: string }} Lock
 * @typedef {{ stale: boolean, reason: string }} Verdict
 */

/**
 * Judges a lock. Pure: the host, the time and whether a pid runs pulumi are given.
 * @param {Lock} lock
 * @param {{ hostname: string, now: Date, isPulumiProcess: (pid: number) => boolean, staleAfterHours?: number }} here
 * @returns {Verdict}
 */
function judgeLock(lock, here) {
    const staleAfterHours = here.staleAfterHours ?? LOCK_STALE_HOURS;
    const taken = lock.timestamp === undefined ? NaN : new Date(lock.timestamp).getTime();
    const ageHours = (here.now.getTime() - taken) / 3_600_000;
    const holder = `pid ${lock.pid} of ${lock.username ?? "?"}@${lock.hostname ?? "?"}, since ${lock.timestamp ?? "an unknown time"}`;
    if (lock.hostname === here.hostname) {
        // This host can tell for sure: the process runs, or it does not.
        return here.isPulumiProcess(lock.pid) ? { stale: false, reason: holder } : { stale: true, reason: `${holder}, which no longer runs` };
    }
    if (ageHours > staleAfterHours) {
        return { stale: true, reason: `${holder}, older than ${staleAfterHours} h` };
    }
    return { stale: false, reason: holder };
}

/**
 * The flags the engine gets. Pure.
 * @param {string} command
 * @param {{ refresh: boolean }} options
 * @returns {string[]}
 */
function engineFlags(command, options) {
    return options.refresh && (command === "up" || command === "preview") ? ["--refresh"] : [];
}

/**
 * One line naming what an interrupted run left pending. Pure.
 * @param {{ type: string, resource: { urn: string } }[]} pending
 * @returns {string}
 */
function describePending(pending) {
    const names = pending.map((operation) => `${operation.type} ${operation.resource.urn.split("::").pop()}`);
    const shown = names.slice(0, 5).join(", ") + (names.length > 5 ? `, and ${names.length - 5} more` : "");
    return `${pending.length} operation(s) of an interrupted run were still pending (${shown})`;
}

/** @param {number} pid */
function isPulumiProcess(pid) {
    try {
        const command = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
        return path.basename(command).startsWith("pulumi");
    } catch {
        return false;
    }
}

/**
 * The project's name from Pulumi.yaml, undefined without one.
 * @param {string} root
 */
function projectName(root) {
    const file = path.join(root, "Pulumi.yaml");
    const match = fs.existsSync(file) ? /^name:\s*["']?([^"'\s#]+)/m.exec(fs.readFileSync(file, "utf8")) : null;
    return match?.[1];
}

/**
 * The backend's folder for a file:// URL, undefined for any other backend.
 * @param {string | undefined} url
 */
function fileBackend(url) {
    if (url === undefined || !url.startsWith("file://")) {
        return undefined;
    }
    const folder = url.slice("file://".length).replace(/^~(?=\/)/, os.homedir());
    return folder === "" ? os.homedir() : folder;
}

/**
 * Lock files of the stack (project-scoped layout, and the older one without projects).
 * @param {string} backend @param {string} project @param {string} stack
 */
function lockFiles(backend, project, stack) {
    const folders = [path.join(backend, ".pulumi", "locks", "organization", project, stack), path.join(backend, ".pulumi", "locks", stack)];
    return folders.flatMap((folder) =>
        fs.existsSync(folder)
            ? fs
                  .readdirSync(folder)
                  .filter((name) => name.endsWith(".json"))
                  .map((name) => path.join(folder, name))
            : [],
    );
}

/**
 * The stack's pending operations in the checkpoint, [] when none (or no checkpoint yet).
 * @param {string} backend @param {string} project @param {string} stack
 */
function pendingOperations(backend, project, stack) {
    for (const base of [path.join(backend, ".pulumi", "stacks", project, stack), path.join(backend, ".pulumi", "stacks", stack)]) {
        for (const [file, gzip] of [[`${base}.json`, false], [`${base}.json.gz`, true]]) {
            if (fs.existsSync(/** @type {string} */ (file))) {
                const raw = fs.readFileSync(/** @type {string} */ (file));
                const checkpoint = JSON.parse((gzip ? zlib.gunzipSync(raw) : raw).toString("utf8"));
                return checkpoint?.checkpoint?.latest?.pending_operations ?? [];
            }
        }
    }
    return [];
}

/** @param {string} message */
function say(message) {
    process.stderr.write(`pulumi.sh: ${message}\n`);
}

/** @param {string[]} argv */
function main(argv) {
    const [command, stack] = argv;
    if (!command || !stack) {
        say("usage: node scripts/recover.js COMMAND STACK");
        return 2;
    }
    // The project folder is where scripts/pulumi.sh runs it (that folder's Pulumi.yaml and stack files), which is not
    // this file's own folder when the scripts are linked into another project folder.
    const root = process.cwd();
    const flags = engineFlags(command, { refresh: (process.env.MESH_REFRESH ?? "true") !== "false" });
    const backend = fileBackend(process.env.PULUMI_BACKEND_URL);
    const project = projectName(root);
    if (backend !== undefined && project !== undefined) {
        const here = { hostname: os.hostname(), now: new Date(), isPulumiProcess };
        for (const file of lockFiles(backend, project, stack)) {
            let lock;
            try {
                lock = JSON.parse(fs.readFileSync(file, "utf8"));
            } catch {
                continue; // being written or removed by its owner right now
            }
            const verdict = judgeLock(lock, here);
            if (!verdict.stale) {
                say(`stack ${stack} is locked by a running operation (${verdict.reason}); wait for it to finish, or stop that process`);
                return 1;
            }
            fs.rmSync(file, { force: true });
            fs.rmSync(`${file}.attrs`, { force: true });
            say(`cleared the lock of stack ${stack} left by ${verdict.reason}`);
        }
        const pending = pendingOperations(backend, project, stack);
        if (pending.length > 0) {
            say(`${describePending(pending)}; refreshing the stack, then this run takes over what they created`);
            const refresh = childProcess.spawnSync("pulumi", ["refresh", "--yes", "--skip-preview", "--clear-pending-creates", "--stack", stack], {
                cwd: root,
                stdio: ["ignore", process.stderr, "inherit"],
            });
            if (refresh.status !== 0) {
                say("the refresh after the interrupted run failed (above); fix that and run again");
                return refresh.status ?? 1;
            }
        }
    }
    process.stdout.write(flags.join(" "));
    return 0;
}

module.exports = { judgeLock, engineFlags, describePending, fileBackend, LOCK_STALE_HOURS };

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
