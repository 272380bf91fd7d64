// The shipped action (dist/action/index.js), run the way the GitHub runner runs it, against
// the shipped receiver and a local stand-in for GitHub's REST API (GITHUB_API_URL): each
// deploy, swap and rollback shows in GitHub as a Deployment with its statuses, GitHub
// refusing or failing never fails the deploy, and the token never reaches the log.
import { describe, expect, it } from "vitest";
import { actionSites } from "../helpers/action-site.js";
import type { AppStatus } from "../../receiver/protocol.js";
import { call, sha256 } from "../helpers/api-client.js";
import { type ActionRun } from "../helpers/run-action.js";
import { mint } from "../helpers/tokens.js";
import { startGithubApi, type ApiCall, type GithubApiStandIn } from "./github-api-stand-in.js";

const TOKEN = "ghs_StandInToken0123456789abcdefABCDEF0123";
const RUN_URL = "https://github.com/octo/webdemo/actions/runs/4242";
const SHA = "0123456789abcdef0123456789abcdef01234567";

const sites = actionSites();

async function site(app: Record<string, unknown> = {}) {
  const github = await startGithubApi();
  sites.cleanup(() => github.close());
  const options = { app: { health: { path: "/health", timeout: "2s" }, ...app } };
  const s = await sites.site(options, {
    inputs: { "github-token": TOKEN },
    env: { GITHUB_API_URL: github.url },
  });
  return { ...s, github };
}

const shown = (run: ActionRun) =>
  `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** The calls as "POST /repos/…/deployments" and "status in_progress", in order. */
const calls = (github: GithubApiStandIn) =>
  github.calls.map((c) =>
    c.path.endsWith("/statuses") ? `status ${String(c.body["state"])}` : `${c.method} ${c.path}`,
  );
const statuses = (github: GithubApiStandIn): ApiCall[] =>
  github.calls.filter((c) => c.path.endsWith("/statuses"));

const CREATE = "POST /repos/octo/webdemo/deployments";

// The runner hides the token once ::add-mask:: registered it; anywhere else it would show.
function expectTokenUnlogged(run: ActionRun): void {
  const lines = `${run.stdout}\n${run.stderr}`.split("\n");
  const leaks = lines.filter((l) => l.includes(TOKEN) && l !== `::add-mask::${TOKEN}`);
  expect(leaks, shown(run)).toEqual([]);
  expect(lines).toContain(`::add-mask::${TOKEN}`);
}

describe("GitHub Deployments from the bundled action", () => {
  it("creates a deployment, sets it in_progress then success, and the journal names its id", async () => {
    const s = await site();
    const v2 = s.build("v2");

    const run = await s.action({
      file: "build/webdemo-v2",
      environment: "staging",
      "environment-url": "https://app.example.com",
    });

    expect(run.code, shown(run)).toBe(0);
    expect(calls(s.github)).toEqual([CREATE, "status in_progress", "status success"]);
    const [create, ...rest] = s.github.calls;
    expect(create!.authorization).toBe(`token ${TOKEN}`);
    expect(create!.body).toEqual({
      ref: SHA,
      task: "deploy",
      environment: "staging",
      auto_merge: false,
      required_contexts: [],
      description: "hotswap deploy of webdemo",
      payload: { app: "webdemo", operation: "deploy", sha256: sha256(v2) },
    });
    const id = Number(run.outputs["github-deployment-id"]);
    expect(id).toBeGreaterThan(0);
    for (const status of rest) {
      expect(status.path).toBe(`/repos/octo/webdemo/deployments/${id}/statuses`);
      expect(status.body["log_url"]).toBe(RUN_URL);
    }
    const success = statuses(s.github)[1]!.body;
    expect(success["environment_url"]).toBe("https://app.example.com");
    expect(success["description"]).toContain(`deploy id ${run.outputs["deploy-id"]}`);
    expect(success["description"]).toContain(sha256(v2).slice(0, 12));
    const entries = s.journal().filter((e) => e.deployId === run.outputs["deploy-id"]);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "ok"]);
    for (const entry of entries) expect(entry.who?.githubDeployment).toBe(id);
    const status = await call(s.rx.api, "/v1/apps/webdemo", {
      token: await mint({ op: "status" }),
    });
    const recent = (status.json as AppStatus).recent.find(
      (e) => e.deployId === run.outputs["deploy-id"],
    );
    expect(recent?.who?.githubDeployment).toBe(id);
    expect(run.stdout).toContain(`GitHub deployment ${id} to staging: in_progress`);
    expectTokenUnlogged(run);
  });

  it("shows the app's publicUrl from the receiver's config when environment-url is not given", async () => {
    const s = await site({ publicUrl: "https://webdemo.example.org/" });
    s.build("v2");

    const run = await s.action({ file: "build/webdemo-v2" });
    expect(run.code, shown(run)).toBe(0);
    const given = await s.action({
      file: "build/webdemo-v2",
      force: "true",
      "environment-url": "https://other.example.com",
    });
    expect(given.code, shown(given)).toBe(0);

    const [, success, , forced] = statuses(s.github);
    expect(success!.body["state"]).toBe("success");
    expect(success!.body["environment_url"]).toBe("https://webdemo.example.org/");
    expect(forced!.body["environment_url"]).toBe("https://other.example.com");
    for (const status of statuses(s.github).filter((c) => c.body["state"] !== "success"))
      expect(status.body).not.toHaveProperty("environment_url");
  });

  it("marks the deployment failure with the receiver's message when the build is broken", async () => {
    const s = await site();
    s.build("v2", { unhealthy: true });

    const run = await s.action({ file: "build/webdemo-v2" });

    expect(run.code, shown(run)).not.toBe(0);
    expect(calls(s.github)).toEqual([CREATE, "status in_progress", "status failure"]);
    expect(s.github.calls[0]!.body["environment"]).toBe("production");
    const failure = statuses(s.github)[1]!.body;
    expect(failure["description"]).toMatch(
      /^rolled back to [0-9a-f]{12} testapp v1: ERR_HEALTH_CHECK: /,
    );
    expect(failure["environment_url"]).toBeUndefined();
    expect(failure["log_url"]).toBe(RUN_URL);
    expectTokenUnlogged(run);
  });

  it("gives one warning naming deployments: write on a 403, and deploys all the same", async () => {
    const s = await site();
    s.github.refuse = true;
    s.build("v2");

    const run = await s.action({ file: "build/webdemo-v2" });

    expect(run.code, shown(run)).toBe(0);
    expect(calls(s.github)).toEqual([CREATE]);
    const warnings = run.stdout.split("\n").filter((l) => l.startsWith("::warning"));
    expect(warnings, shown(run)).toHaveLength(1);
    expect(warnings[0]).toContain("403");
    expect(warnings[0]).toContain('"permissions: deployments: write"');
    expect(warnings[0]).toContain("Resource not accessible by integration");
    expect(run.outputs["github-deployment-id"]).toBeUndefined();
    const done = s
      .journal()
      .find((e) => e.deployId === run.outputs["deploy-id"] && e.outcome === "ok");
    expect(done).toBeDefined();
    expect(done!.who?.githubDeployment).toBeUndefined();
    expectTokenUnlogged(run);
  });

  it("gives one warning and deploys all the same when GitHub's API cannot be reached", async () => {
    const s = await site();
    await s.github.close(); // an outage: nothing listens at GITHUB_API_URL any more
    s.build("v2");

    const run = await s.action({ file: "build/webdemo-v2" });

    expect(run.code, shown(run)).toBe(0);
    const warnings = run.stdout.split("\n").filter((l) => l.startsWith("::warning"));
    expect(warnings, shown(run)).toHaveLength(1);
    expect(warnings[0]).toContain("could not create the deployment: GitHub's API failed");
    expect(warnings[0]).toContain('"permissions: deployments: write"');
    const entries = s.journal().filter((e) => e.deployId === run.outputs["deploy-id"]);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "ok"]);
    expectTokenUnlogged(run);
  });

  it("makes no GitHub call with deployment: false, nor for operation upload", async () => {
    const s = await site();
    s.build("v2");

    const off = await s.action({ file: "build/webdemo-v2", deployment: "false" });
    const upload = await s.action({ file: "build/webdemo-v2", operation: "upload" });

    expect(off.code, shown(off)).toBe(0);
    expect(upload.code, shown(upload)).toBe(0);
    expect(s.github.calls).toEqual([]);
    expectTokenUnlogged(off);
  });

  it("gives swap and rollback each their own deployment", async () => {
    const s = await site();
    s.build("v2");
    const up = await s.action({ file: "build/webdemo-v2", operation: "upload" });
    expect(up.code, shown(up)).toBe(0);

    const swap = await s.action({ operation: "swap" });
    const rollback = await s.action({ operation: "rollback" });

    expect(swap.code, shown(swap)).toBe(0);
    expect(rollback.code, shown(rollback)).toBe(0);
    expect(calls(s.github)).toEqual([
      CREATE,
      "status in_progress",
      "status success",
      CREATE,
      "status in_progress",
      "status success",
    ]);
    const creates = s.github.calls.filter((c) => !c.path.endsWith("/statuses"));
    expect(creates.map((c) => c.body["payload"])).toEqual([
      { app: "webdemo", operation: "swap" },
      { app: "webdemo", operation: "rollback" },
    ]);
    expect(swap.outputs["github-deployment-id"]).not.toBe(rollback.outputs["github-deployment-id"]);
  });

  it("refuses a GitHub deployment id that is not a positive whole number", async () => {
    const s = await site();
    for (const bad of ["0", "-3", "12a", "99999999999999999"]) {
      const r = await call(s.rx.api, "/v1/apps/webdemo/swap", {
        method: "POST",
        token: await mint({ op: "swap" }),
        headers: { "x-hotswap-github-deployment": bad },
      });
      expect(r.status, bad).toBe(400);
      expect(JSON.stringify(r.json)).toContain("ERR_GITHUB_DEPLOYMENT_HEADER");
    }
  });
});
