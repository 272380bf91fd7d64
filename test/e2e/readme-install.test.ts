// The README's "Install the receiver" run as written, as a new user would on a server: the
// shell blocks marked `<!-- readme-install: NAME -->` run in bash from a clone of this
// repository (receiver: copy the bundle and link the command; init: write the config),
// the marked `apps:` block replaces the one init wrote (the documented edit), and the start
// block runs the receiver, with a Python app (not Node) as the servers. Then the README's
// workflow step deploys two builds through the bundled action, the second under load, and
// no request may fail.
//
// What is substituted, and nothing else: the absolute paths below (under a scratch folder),
// the config's two ports (free ones), `sudo` (a shim that runs the command: the tests run
// as the user they are), and in the action's `with:` the receiver's URL and the secret init
// printed. Each substituted text must appear in the README, so an edit there that drops one
// fails here instead of going untested.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { freePort } from "../helpers/ports.js";
import { watchReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { runAction, type ActionRun } from "../helpers/run-action.js";
import { waitFor } from "../helpers/wait-for.js";
import { formatReport, loadReport, openLoad } from "../load/open-load.mjs";

const ROOT = resolve(".");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }
).version;
const RATE = 30; // requests per second through the gate during the second deploy

/** The fenced block right after `<!-- readme-install: NAME -->`, as written. */
function marked(name: string): string {
  const m = new RegExp(
    `<!-- readme-install: ${name} -->\\s*\`\`\`(?:sh|yaml)\\n([\\s\\S]*?)\`\`\``,
  ).exec(README);
  if (!m) throw new Error(`README.md has no block marked <!-- readme-install: ${name} -->`);
  return m[1]!;
}

/** The first yaml block of a README section. */
function firstYaml(heading: string): string {
  const at = README.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README.md has no section "${heading}"`);
  const m = /```yaml\n([\s\S]*?)```/.exec(README.slice(at));
  if (!m) throw new Error(`README.md's "${heading}" has no yaml block`);
  return m[1]!;
}

/** Replaces every `from` in text; a `from` that is not in `where` is an error naming it. */
function substitute(text: string, pairs: [string, string][], where: string, within = text): string {
  for (const [from, to] of pairs) {
    if (!within.includes(from)) throw new Error(`${where} no longer contains "${from}"`);
    text = text.split(from).join(to);
  }
  return text;
}

/** A marked block with the scratch folder's paths in place of the README's. */
const withPaths = (name: string, paths: [string, string][]) =>
  substitute(marked(name), paths, "the README's install blocks", installBlocks());

const installBlocks = () => ["receiver", "init", "apps", "start"].map(marked).join("\n");

// The app: a Python HTTP server, VERSION to GET / (as the load generator expects), its
// working directory to GET /cwd, 200 to GET /health; port from --port, as the README's args.
const pythonApp = (version: string) => `#!/usr/bin/env python3
import argparse, http.server, os

VERSION = ${JSON.stringify(version)}

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        text = "ok" if path == "/health" else os.getcwd() if path == "/cwd" else VERSION
        body = (text + "\\n").encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
http.server.ThreadingHTTPServer(("127.0.0.1", parser.parse_args().port), Handler).serve_forever()
`;

interface Shell {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Shell> {
  return new Promise((done, fail) => {
    const child = spawn("bash", ["-euo", "pipefail", "-c", script], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

const shown = (what: string, run: Shell | ActionRun) =>
  `${what}: exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("README: Install the receiver, as written", () => {
  it("installs the command, writes and edits the config, starts, and deploys a Python app through the action with 0 failed requests", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "hotswap-readme-install-"));
    cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
    const bin = join(scratch, "usr/local/bin");
    const appDir = join(scratch, "srv/webdemo");
    mkdirSync(bin, { recursive: true });
    mkdirSync(appDir, { recursive: true });
    writeFileSync(join(bin, "sudo"), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    const paths: [string, string][] = [
      ["/opt/hotswap", join(scratch, "opt/hotswap")],
      ["/usr/local/bin", bin],
      ["/srv/webdemo", appDir],
    ];
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };

    // 1. The receiver: from the clone, as the `hotswap-receiver` command.
    const install = await bash(withPaths("receiver", paths), ROOT, env);
    expect(install.code, shown("receiver block", install)).toBe(0);
    expect(install.stdout.trim()).toBe(VERSION);

    // 2. init in the app's folder; it prints the secret and the command that starts it.
    const initRun = await bash(withPaths("init", paths), ROOT, env);
    expect(initRun.code, shown("init block", initRun)).toBe(0);
    const secret = /^\s+([A-Za-z0-9_-]{43})$/m.exec(initRun.stdout)?.[1];
    expect(secret, initRun.stdout).toBeDefined();
    expect(initRun.stdout).toContain("start: hotswap-receiver --config hotswap.yaml");
    const configFile = join(appDir, "hotswap.yaml");

    // The documented edit: init's apps: (the file's last key) replaced by the README's.
    const written = readFileSync(configFile, "utf8");
    const appsAt = written.search(/^apps:$/m);
    expect(appsAt, "init writes apps: as a top-level key").toBeGreaterThan(0);
    expect(written.slice(appsAt + "apps:\n".length), "apps: is the last top-level key").not.toMatch(
      /^\w/m,
    );
    const [api, gatePort] = [await freePort(), await freePort()];
    const edited =
      substitute(
        written.slice(0, appsAt),
        [["127.0.0.1:8787", `127.0.0.1:${api}`]],
        "init's config",
      ) + substitute(marked("apps"), [["0.0.0.0:8080", `0.0.0.0:${gatePort}`]], "the apps block");
    writeFileSync(configFile, edited);
    const { audience } = parse(edited) as { audience: string };

    // 3. Start it, in the app's folder.
    const child = spawn("bash", ["-c", `exec ${marked("start").trim()}`], {
      cwd: appDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const rx: ReceiverProcess = await watchReceiver(child);
    cleanups.push(() => rx.stop());
    const gate = `http://127.0.0.1:${gatePort}`;
    expect(rx.api).toBe(`http://127.0.0.1:${api}`);
    // Nothing deployed yet: refused at once, not held.
    expect((await fetch(`${gate}/`)).status).toBe(503);

    // The README's workflow step, run as the runner runs it from a checkout with the build.
    const step = (
      parse(firstYaml("## Add the action to a workflow")) as { with: Record<string, string> }[]
    )[0]!;
    expect(step.with.key).toBe("${{ secrets.HOTSWAP_KEY }}");
    expect(step.with.url, "the step deploys to the audience the config's edit sets").toBe(audience);
    const checkout = mkdtempSync(join(tmpdir(), "hotswap-readme-checkout-"));
    cleanups.push(() => rmSync(checkout, { recursive: true, force: true }));
    const deploy = (version: string) => {
      rmSync(join(checkout, "dist"), { recursive: true, force: true });
      mkdirSync(join(checkout, "dist"));
      writeFileSync(join(checkout, "dist", `webdemo-${version}.py`), pythonApp(version));
      return runAction({
        inputs: { ...step.with, url: rx.api, key: secret!, audience },
        workspace: checkout,
        timeoutMs: 90_000,
      });
    };

    const first = await deploy("v1");
    expect(first.code, shown("first deploy", first)).toBe(0);
    expect((await (await fetch(`${gate}/`)).text()).trim()).toBe("v1");
    // The servers run in exeFile's folder, as the README says.
    expect((await (await fetch(`${gate}/cwd`)).text()).trim()).toBe(
      realpathSync(join(appDir, "deploy")),
    );

    const load = openLoad({ url: gate, rate: RATE, mix: { get: 1 } });
    cleanups.push(async () => void (await load.stop()));
    await waitFor(() => load.samples.length >= RATE, "the load to get answers from v1");
    const second = await deploy("v2");
    expect(second.code, shown("second deploy", second)).toBe(0);
    await waitFor(
      () =>
        load.samples.some((s) => s.version === "v2") &&
        load.samples.length >= load.scheduled - RATE,
      "answers from v2",
      30_000,
    );
    const report = loadReport(await load.stop());
    console.log(`README install, deploy under ${RATE} req/s: ${formatReport(report)}`);
    expect(report.failed, formatReport(report)).toBe(0);
    expect(report.versions).toEqual(["v1", "v2"]);
  }, 180_000);

  it("init run as `node …/cli.mjs` prints that command to start with", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hotswap-readme-init-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cli = join(ROOT, "dist/receiver/cli.mjs");
    const run = await bash(`node ${cli} init --config site.yaml`, dir, process.env);
    expect(run.code, shown("init", run)).toBe(0);
    expect(run.stdout).toContain(`start: node ${cli} --config site.yaml`);
  });
});
