import * as core from "@actions/core";
import type { HttpClient } from "@actions/http-client";
import type { Octokit } from "@octokit/core";
import type { ResultEvent, VersionInfo } from "../receiver/protocol.js";
import { VERSION } from "../api-client/send.js";
import type { Operation } from "./settings.js";

/** The operations that put a build live, and so show in GitHub as a deployment. */
const DEPLOYING: readonly Operation[] = ["deploy", "swap", "rollback"];
/** GitHub keeps at most 140 characters of a status's description. */
const DESCRIPTION_MAX = 140;
/** A GitHub that does not answer in this long is treated as down: the deploy goes on. */
const GITHUB_TIMEOUT_MS = 10_000;

/** What the step's deployment inputs asked for, read once before any work starts. */
export interface DeploymentInputs {
  token: string;
  environment: string;
  environmentUrl?: string;
}

type State = "in_progress" | "success" | "failure" | "error";

/** A GitHub Deployment this step made, and the statuses it sets on it. */
export interface GithubDeployment {
  id: number;
  /** The final status from the receiver's result. */
  finish(operation: Operation, result: ResultEvent): Promise<void>;
  /** The final status when the step failed without a result (unreachable, timed out). */
  fail(message: string): Promise<void>;
}

// Reads github-token, environment, environment-url and deployment: undefined when the
// step makes no deployment (operation upload, promote, abort; deployment: false; no token).
// The token is masked before anything else can print it.
export function deploymentInputs(operation: Operation): DeploymentInputs | undefined {
  const token = core.getInput("github-token");
  if (token) core.setSecret(token);
  const wanted = core.getInput("deployment") || "true";
  if (!/^(true|false)$/i.test(wanted))
    throw new Error(`deployment "${wanted}" is not true or false`);
  const environment = core.getInput("environment") || "production";
  if (environment.length > 255)
    throw new Error(
      `environment is ${environment.length} characters long; GitHub takes at most 255`,
    );
  const environmentUrl = core.getInput("environment-url") || undefined;
  if (environmentUrl && !/^https?:\/\/[^\s]+$/i.test(environmentUrl))
    throw new Error(
      `environment-url "${environmentUrl}" is not an http(s) URL, such as https://app.example.com`,
    );
  if (wanted.toLowerCase() === "false" || !DEPLOYING.includes(operation)) return undefined;
  if (!token) {
    core.info("github-token is empty: no GitHub deployment is made for this step");
    return undefined;
  }
  return { token, environment, environmentUrl };
}

// Creates the deployment for this commit and sets it in_progress. GitHub refusing (no
// `deployments: write`) or down never fails the step: one warning, and no more calls.
export async function startDeployment(
  inputs: DeploymentInputs,
  operation: Operation,
  app: string,
  sha256: string | undefined,
): Promise<GithubDeployment | undefined> {
  const env = process.env;
  const [owner = "", repo = ""] = (env["GITHUB_REPOSITORY"] ?? "").split("/");
  const ref = env["GITHUB_SHA"] || env["GITHUB_REF"] || "";
  if (!owner || !repo || !ref) {
    core.warning(
      "no GitHub deployment: GITHUB_REPOSITORY or GITHUB_SHA is not set, as it is in a workflow",
    );
    return undefined;
  }
  const octokit = await client(inputs.token);
  const logUrl = `${env["GITHUB_SERVER_URL"] || "https://github.com"}/${owner}/${repo}/actions/runs/${env["GITHUB_RUN_ID"] ?? ""}`;
  let id: number;
  try {
    const created = await octokit.request("POST /repos/{owner}/{repo}/deployments", {
      owner,
      repo,
      ref,
      task: "deploy",
      environment: inputs.environment,
      auto_merge: false,
      required_contexts: [],
      description: describe(`hotswap ${operation} of ${app}`),
      payload: { app, operation, ...(sha256 ? { sha256 } : {}) },
    });
    // 202 is GitHub's "merged the default branch first" answer, which auto_merge: false rules out.
    if (!("id" in created.data)) throw new Error(created.data.message ?? "no deployment id");
    id = Number(created.data.id);
  } catch (error) {
    core.warning(unavailable("create the deployment", error));
    return undefined;
  }
  let reachable = true;
  const status = async (state: State, description: string, url?: string) => {
    if (!reachable) return;
    try {
      await octokit.request("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
        owner,
        repo,
        deployment_id: id,
        state,
        description: describe(description),
        log_url: logUrl,
        ...(url ? { environment_url: url } : {}),
        auto_inactive: true,
      });
    } catch (error) {
      reachable = false;
      core.warning(unavailable(`set deployment ${id} ${state}`, error));
    }
  };
  core.setOutput("github-deployment-id", String(id));
  await status("in_progress", `hotswap ${operation} of ${app} under way`);
  core.info(`GitHub deployment ${id} to ${inputs.environment}: in_progress`);
  return {
    id,
    async finish(op, result) {
      const [state, text] = finalStatus(op, result);
      await status(state, text, result.ok ? (inputs.environmentUrl ?? appUrl(result)) : undefined);
      if (reachable) core.info(`GitHub deployment ${id}: ${state}`);
    },
    async fail(message) {
      await status("error", message);
    },
  };
}

// The app's publicUrl as the receiver's config gives it, if it is one (the stream is checked
// as untrusted input: a URL that is not http(s) is left off).
const appUrl = (result: ResultEvent): string | undefined =>
  result.ok && typeof result.publicUrl === "string" && /^https?:\/\/\S+$/i.test(result.publicUrl)
    ? result.publicUrl
    : undefined;

// For deploy, swap and rollback an ok result is a success (promote and abort, whose results
// read the other way, make no deployment).
function finalStatus(operation: Operation, result: ResultEvent): [State, string] {
  if (result.ok) {
    const was = result.previous ? `, was ${short(result.previous)}` : "";
    return ["success", `${operation} id ${result.deployId}: ${short(result.version)}${was}`];
  }
  const why = `${result.error.code}: ${result.error.message}`;
  if (result.rolledBack)
    return [
      "failure",
      `rolled back to ${result.previous ? short(result.previous) : "the previous release"}: ${why}`,
    ];
  return ["failure", why];
}

const short = (v: VersionInfo) => `${v.sha256.slice(0, 12)}${v.version ? ` ${v.version}` : ""}`;

function describe(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= DESCRIPTION_MAX ? line : `${line.slice(0, DESCRIPTION_MAX - 1)}…`;
}

// The one warning a refused or failed call gets: what GitHub said, and the permission.
function unavailable(what: string, error: unknown): string {
  const status = (error as { status?: unknown }).status;
  const said = error instanceof Error ? error.message : String(error);
  const why =
    status === 403 || status === 404
      ? `GitHub refused (${String(status)} ${said}): add "permissions: deployments: write" to the job`
      : `GitHub's API failed (${said}); the job needs "permissions: deployments: write"`;
  return `could not ${what}: ${why}. The deploy goes on without a GitHub deployment (deployment: false turns this off)`;
}

// @octokit/core, configured as @actions/github configures it (GITHUB_API_URL, the runner's
// proxy), sending through @actions/http-client: the agent the receiver's requests use too.
// Loaded only by a step that makes a deployment, so it adds nothing to the others' start.
async function client(token: string): Promise<Octokit> {
  const { Octokit } = await import("@octokit/core");
  let http: Promise<HttpClient> | undefined;
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    http ??= import("@actions/http-client").then(
      (m) =>
        new m.HttpClient(`hotswap-action/${VERSION}`, [], { socketTimeout: GITHUB_TIMEOUT_MS }),
    );
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = typeof init.body === "string" ? init.body : null;
    const answer = await (await http).request(init.method ?? "GET", url, body, headers);
    const text = await answer.readBody();
    const status = answer.message.statusCode ?? 0;
    const head = new Headers();
    for (const [name, value] of Object.entries(answer.message.headers))
      if (value !== undefined) head.set(name, Array.isArray(value) ? value.join(", ") : value);
    return new Response(status === 204 || status === 304 ? null : text, { status, headers: head });
  };
  return new Octokit({
    auth: token,
    baseUrl: process.env["GITHUB_API_URL"] || "https://api.github.com",
    userAgent: `hotswap-action/${VERSION}`,
    request: { fetch },
  });
}
