// Runs the bundled action (dist/action/index.js) the way the GitHub runner does: a plain
// `node` process, every input of action.yml as INPUT_* (defaults applied, undeclared ones
// empty), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY as fresh files, and the usual GITHUB_*
// context. Nothing of the test process's own GitHub environment leaks in.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bundle = join(root, "dist/action/index.js");

export interface RunActionOptions {
  /** The step's `with:`, by input name as in action.yml ("url", "key-id"). */
  inputs: Record<string, string>;
  /** More environment, e.g. ACTIONS_ID_TOKEN_REQUEST_URL for a local OIDC issuer. */
  env?: Record<string, string>;
  /** GITHUB_WORKSPACE and the working directory; a fresh empty folder when not given. */
  workspace?: string;
  /** The process is killed after this long; default 60 s. */
  timeoutMs?: number;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

interface ActionYml {
  inputs: Record<string, { default?: string }>;
}

// Tests use this to prove the shipped bundle works, not just the sources it came from.
export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const temp = await mkdtemp(join(tmpdir(), "hotswap-run-"));
  try {
    const workspace = options.workspace ?? (await mkdtemp(join(temp, "workspace-")));
    const files = {
      GITHUB_OUTPUT: join(temp, "output"),
      GITHUB_STEP_SUMMARY: join(temp, "summary"),
      GITHUB_EVENT_PATH: join(temp, "event.json"),
    };
    await Promise.all([
      writeFile(files.GITHUB_OUTPUT, ""),
      writeFile(files.GITHUB_STEP_SUMMARY, ""),
      writeFile(files.GITHUB_EVENT_PATH, "{}"),
    ]);
    const env: Record<string, string> = {
      ...runnerless(process.env),
      ...(await inputEnv(options.inputs)),
      ...files,
      GITHUB_ACTIONS: "true",
      CI: "true",
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: "octo/webdemo",
      GITHUB_REF: "refs/tags/v1.2.3",
      GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
      GITHUB_RUN_ID: "4242",
      GITHUB_ACTOR: "octocat",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_EVENT_NAME: "push",
      // Nothing listens there: a test never reaches the real GitHub API by mistake.
      GITHUB_API_URL: "http://127.0.0.1:1",
      RUNNER_TEMP: temp,
      ...options.env,
    };
    const { code, stdout, stderr } = await node(bundle, workspace, env, options.timeoutMs);
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputs(await readFile(files.GITHUB_OUTPUT, "utf8")),
      summary: await readFile(files.GITHUB_STEP_SUMMARY, "utf8"),
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

// The runner's form: INPUT_ + name upper-cased, spaces as "_", dashes kept; every input
// action.yml declares is set, to its default or to "". A default the runner evaluates
// (github-token's `${{ github.token }}`) is "" here: a test run has no GitHub token.
async function inputEnv(given: Record<string, string>): Promise<Record<string, string>> {
  const spec = parse(await readFile(join(root, "action.yml"), "utf8")) as ActionYml;
  const env: Record<string, string> = {};
  for (const [name, input] of Object.entries(spec.inputs)) {
    const fallback = input.default?.includes("${{") ? "" : input.default;
    env[inputName(name)] = given[name] ?? fallback ?? "";
  }
  for (const [name, value] of Object.entries(given)) env[inputName(name)] = value;
  return env;
}

function inputName(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

function runnerless(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !/^(INPUT_|GITHUB_|ACTIONS_|RUNNER_)/.test(name)) kept[name] = value;
  }
  return kept;
}

function node(
  script: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd, env, timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// GITHUB_OUTPUT holds `name=value` lines and `name<<DELIMITER` ... `DELIMITER` blocks.
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = "", delimiter] = heredoc;
      const end = lines.indexOf(delimiter ?? "", i + 1);
      if (end < 0) throw new Error(`GITHUB_OUTPUT: no ${delimiter} closes ${name}`);
      outputs[name] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}
