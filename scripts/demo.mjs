// `npm run demo`: Hotswap on this machine, end to end, in about five seconds.
//
// 1. A temp folder becomes a "server": a demo app v1 (a node script answering
//    "hello from v1"), a hotswap.yaml with a fresh secret, and the bundled receiver
//    (dist/receiver/cli.mjs) running 2 instances of the app behind its gate.
// 2. A steady client keeps sending requests through the gate.
// 3. The bundled GitHub Action (dist/action/index.js) is run as the runner runs it
//    (INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) to deploy v2.
// 4. A report: requests sent and failed, answers before and after, the hold time.
//
// It needs only `npm ci`: no build, no test runner. Everything it starts is stopped and
// the temp folder removed, also on failure or Ctrl-C. Exit code 1 if a request or the deploy failed.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "hotswap-demo-"));
const secret = randomBytes(32).toString("hex");
const audience = "https://deploy.demo.test";
let receiver; // the receiver's child process, once started
let load; // the steady client, once started
let action; // the action's child process while it runs

// The app as a real executable: the receiver starts it with PORT set and asks its version.
function writeApp(path, version) {
  writeFileSync(
    path,
    `#!/usr/bin/env node
const http = require("node:http");
if (process.argv.includes("--version")) { console.log("demo ${version}"); process.exit(0); }
http
  .createServer((req, res) => res.end(req.url === "/health" ? "ok" : "hello from ${version}\\n"))
  .listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`,
  );
  chmodSync(path, 0o755);
}

// Starts the receiver and learns its ports from its log: the config asks for free ones.
async function startReceiver() {
  const cli = join(root, "dist/receiver/cli.mjs");
  receiver = spawn(process.execPath, [cli, "--config", "hotswap.yaml"], {
    cwd: dir,
    env: { ...process.env, HOTSWAP_SECRET: secret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  await new Promise((resolve, reject) => {
    for (const stream of [receiver.stdout, receiver.stderr]) {
      stream.setEncoding("utf8").on("data", (text) => / ready$/m.test((log += text)) && resolve());
    }
    receiver.once("exit", (code) => reject(new Error(`the receiver exited with ${code}:\n${log}`)));
  });
  const api = /API on (http:\/\/\S+)/.exec(log)[1];
  return { api, gate: `http://${/\[demo\] gate listening on (\S+)/.exec(log)[1]}` };
}

// A few clients, each sending one request after another on a kept-alive connection.
function steadyClient(url, concurrency = 4) {
  const stats = { sent: 0, failed: 0, failures: [], answers: [] };
  let running = true;
  const client = async () => {
    while (running) {
      stats.sent++;
      try {
        const res = await fetch(url);
        const text = (await res.text()).trim();
        if (res.ok) stats.answers.push(text);
        else throw new Error(`${res.status} ${text}`);
      } catch (error) {
        stats.failed++;
        stats.failures.push(error.message);
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return { stats, stop: () => ((running = false), Promise.all(clients)) };
}

// The bundled action, run as the GitHub runner runs a `uses:` step; its log is echoed live.
function runAction(inputs) {
  const files = { GITHUB_OUTPUT: join(dir, "output"), GITHUB_STEP_SUMMARY: join(dir, "summary") };
  for (const file of Object.values(files)) writeFileSync(file, "");
  // Nothing of a real runner's environment leaks in when the demo itself runs in CI.
  const runnerless = ([name]) => !/^(INPUT_|GITHUB_|ACTIONS_|RUNNER_)/.test(name);
  const env = Object.fromEntries(Object.entries(process.env).filter(runnerless));
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  Object.assign(env, files, {
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: join(dir, "workspace"),
    GITHUB_REPOSITORY: "octo/demo",
    GITHUB_RUN_ID: "1",
    GITHUB_SERVER_URL: "https://github.com",
    RUNNER_TEMP: dir,
  });
  const child = (action = spawn(process.execPath, [join(root, "dist/action/index.js")], {
    cwd: env.GITHUB_WORKSPACE,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  }));
  createInterface({ input: child.stdout }).on("line", (line) => {
    const shown = asRunnerShows(line);
    if (shown !== undefined) console.log(`  │ ${shown}`);
  });
  return new Promise((resolve) => {
    child.on("close", (code) => {
      // @actions/core writes each output as a block: name<<DELIMITER, value, DELIMITER.
      const blocks = readFileSync(files.GITHUB_OUTPUT, "utf8").matchAll(
        /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm,
      );
      const outputs = Object.fromEntries([...blocks].map(([, name, , value]) => [name, value]));
      resolve({ code, outputs, summary: readFileSync(files.GITHUB_STEP_SUMMARY, "utf8") });
    });
  });
}

// A log line as the runner displays it: groups as headings, commands hidden, errors marked.
function asRunnerShows(line) {
  const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
  if (!command) return /^::[\w-]+::$/.test(line) ? undefined : line; // a stop-commands end
  const [, name, text] = command;
  const decoded = text.replaceAll("%0A", "\n  │   ").replaceAll("%25", "%");
  if (name === "group") return `▶ ${decoded}`;
  if (name === "error" || name === "warning") return `${name.toUpperCase()}: ${decoded}`;
  return undefined; // endgroup, debug, add-mask, stop-commands, set-output
}

// The summary's HTML table as "name: value" lines.
const summaryText = (html) =>
  [...html.matchAll(/<tr><th>(.*?)<\/th><td>(.*?)<\/td><\/tr>/g)].map(
    ([, name, value]) => `  ${name.padEnd(15)} ${value.replace(/<[^>]+>/g, "")}`,
  );

// Stops what was started, in reverse order; the receiver stops its app servers itself.
async function cleanUp() {
  if (action?.exitCode === null) action.kill("SIGTERM");
  await load?.stop();
  if (receiver && receiver.exitCode === null && receiver.signalCode === null) {
    const exited = new Promise((resolve) => receiver.once("exit", resolve));
    receiver.kill("SIGTERM");
    const force = setTimeout(() => receiver.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(force);
  }
  rmSync(dir, { recursive: true, force: true });
}

async function main() {
  console.log(`Server folder: ${dir}`);
  for (const folder of ["server", "workspace"]) mkdirSync(join(dir, folder));
  writeApp(join(dir, "server", "demo"), "v1");
  writeApp(join(dir, "workspace", "demo-v2"), "v2"); // the build the workflow ships
  writeFileSync(
    join(dir, "hotswap.yaml"),
    `listen: 127.0.0.1:0
audience: ${audience}
auth:
  keys:
    - id: ci
      secret: \${HOTSWAP_SECRET}
apps:
  demo:
    exeFile: ./server/demo
    updateFile: ./server/demo_update
    env: { PORT: "{port}" }
    instances: 2
    gate: 127.0.0.1:0
    health: { path: /health, timeout: 10s }
    versionCommand: ["{exe}", "--version"]
`,
  );

  const rx = await startReceiver();
  console.log(`Receiver ready: API ${rx.api}, gate ${rx.gate}`);
  load = steadyClient(`${rx.gate}/`);
  const before = (await (await fetch(`${rx.gate}/`)).text()).trim();

  console.log("\nRunning the action (operation: deploy, file: demo-v2):");
  const run = await runAction({
    url: rx.api,
    app: "demo",
    file: "demo-v2",
    key: secret,
    "key-id": "ci",
    operation: "deploy",
    audience,
    timeout: "60",
    "rollback-to": "",
  });
  const after = (await (await fetch(`${rx.gate}/`)).text()).trim();
  await load.stop();
  const { sent, failed, failures, answers } = load.stats;
  const served = [...new Set(answers)].map(
    (a) => `${answers.filter((b) => b === a).length} × "${a}"`,
  );

  console.log(`\nReport
  requests sent   ${sent}
  failed          ${failed}${failures.length ? ` (${[...new Set(failures)].join("; ")})` : ""}
  answers         "${before}" → "${after}" (${served.join(", then ")})
  hold time       ${run.outputs["hold-ms"] ?? "?"} ms
  action exit     ${run.code}

Job summary:
${summaryText(run.summary).join("\n")}`);
  const ok = run.code === 0 && failed === 0 && after === "hello from v2";
  console.log(ok ? "\nDemo passed." : "\nDemo FAILED.");
  return ok ? 0 : 1;
}

// Cleans up once, whichever comes first: the end, a failure, or Ctrl-C.
let finishing;
const finish = (code) => (finishing ??= cleanUp().finally(() => process.exit(code)));
process.on("SIGINT", () => (console.error("\nSIGINT: stopping the demo"), finish(130)));
process.on("SIGTERM", () => (console.error("\nSIGTERM: stopping the demo"), finish(143)));
main().then(finish, (error) => {
  if (!finishing) console.error(`demo failed: ${error.stack ?? error}`);
  return finish(1);
});
