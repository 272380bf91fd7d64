// Keyless deploys end to end: the bundled action, run the way the runner runs it, gets its
// ID token from a local stand-in for GitHub's OIDC provider and the runner's token
// endpoint, and the bundled receiver verifies it against that issuer's JWKS and policy.
// Every refusal is checked for its reason and for leaving the server's disk untouched.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { boundAudience, type AppStatus, type Op } from "../../receiver/protocol.js";
import { call, sha256, type CallResult } from "../helpers/api-client.js";
import {
  startIssuer,
  type GithubClaims,
  type Issuer,
  type MintOptions,
} from "../helpers/oidc-issuer.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { runAction, type ActionRun } from "../helpers/run-action.js";
import { snapshot } from "../helpers/snapshot.js";
import { unsecured } from "../helpers/tokens.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

const AUDIENCE = "https://deploy.test";
const now = () => Math.floor(Date.now() / 1000);

// Who may deploy: the stand-in's repository (by id, owner id), from a release tag, in the
// production environment, through its own deploy workflow, on GitHub's runners. No
// `events` list, so the pull-request rule is the receiver's own.
const POLICY = {
  repositoryIds: ["123456789"],
  repositoryOwnerIds: ["987654"],
  refs: ["refs/tags/v*"],
  environments: ["production"],
  jobWorkflowRefs: ["octo/webdemo/.github/workflows/deploy.yml@*"],
  runnerEnvironments: ["github-hosted"],
};

function keylessWorkspace(issuer: Issuer, app: Record<string, unknown> = {}): Workspace {
  return createWorkspace({
    // This suite sends dozens of refused tokens on purpose from one address; the
    // limit on failed authentications has its own tests (test/security).
    config: {
      auth: { keys: [], github: { issuer: issuer.url, ...POLICY }, maxFailuresPerMinute: 0 },
    },
    app,
  });
}

/** The action's whole output, for an assertion message that shows what went wrong. */
const shown = (run: ActionRun) =>
  `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
const errorLines = (run: ActionRun) => run.stdout.split("\n").filter((l) => /^::error::/.test(l));
const signature = (token: string) => token.split(".")[2] || token;

// A refusal answered before the stream: its status, code, message, and no trace of the token.
function expectRefusal(
  r: CallResult,
  token: string,
  status: number,
  code: string | RegExp,
  why?: RegExp,
) {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  const codeIs = typeof code === "string" ? code : expect.stringMatching(code);
  expect(r.json).toMatchObject({ error: { code: codeIs, message: expect.any(String) } });
  if (why) expect((r.json as { error: { message: string } }).error.message).toMatch(why);
  expect(JSON.stringify(r.json)).not.toContain(signature(token));
}

describe("keyless deploys through a stand-in GitHub OIDC issuer", () => {
  let issuer: Issuer;
  let other: Issuer;
  let ws: Workspace;
  let rx: ReceiverProcess;
  let checkout: string;
  /** Every token this suite handled, to prove none reaches the receiver's log. */
  const used: string[] = [];

  beforeAll(async () => {
    [issuer, other] = await Promise.all([startIssuer(), startIssuer()]);
    // The app's own block narrows the global refs (refs/tags/v*) to the v1 line.
    ws = keylessWorkspace(issuer, { auth: { github: { refs: ["refs/tags/v1.*"] } } });
    rx = await startReceiver(ws.configFile);
    checkout = mkdtempSync(join(tmpdir(), "hotswap-checkout-"));
    mkdirSync(join(checkout, "build"));
  });
  afterAll(async () => {
    await rx?.stop();
    await Promise.all([issuer?.stop(), other?.stop()]);
    for (const dir of [ws?.dir, checkout]) if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    issuer.nextClaims = undefined;
  });

  /** An ID token as GitHub would issue it to the workflow for one call to webdemo. */
  async function oidc(
    op: Op,
    sha?: string,
    claims: Partial<GithubClaims> = {},
    options: Partial<MintOptions> = {},
    from = issuer,
  ): Promise<string> {
    const audience = boundAudience(AUDIENCE, "webdemo", op, sha);
    const token = await from.mint(claims, { audience, ...options });
    used.push(token);
    return token;
  }

  /** Writes app version `name` into the checkout as build/webdemo-NAME; returns its bytes. */
  function build(name: string): Buffer {
    const target = join(checkout, "build", `webdemo-${name}`);
    copyFileSync(ws.version(name), target);
    return readFileSync(target);
  }

  /** The bundled action with no key: it must get its token from the runner's endpoint. */
  function keyless(inputs: Record<string, string>, from: Issuer | null = issuer) {
    return runAction({
      inputs: { url: rx.api, app: "webdemo", audience: AUDIENCE, timeout: "45", ...inputs },
      env: from
        ? {
            ACTIONS_ID_TOKEN_REQUEST_URL: from.requestUrl,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN: from.requestToken,
          }
        : {},
      workspace: checkout,
    });
  }

  const answer = async () => (await (await fetch(`${rx.gate()}/`)).text()).trim();

  async function status(): Promise<AppStatus> {
    const r = await call(rx.api, "/v1/apps/webdemo", { token: await oidc("status") });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json as AppStatus;
  }

  it("deploys with no key: the action's token is bound to the artifact and names who deployed", async () => {
    const bytes = build("v2");
    const asked = issuer.tokenRequests.length;
    issuer.nextClaims = { actor: "monalisa", actor_id: "2718281" };
    const run = await keyless({ file: "build/webdemo-v2" });
    expect(run.code, shown(run)).toBe(0);
    const audiences = issuer.tokenRequests.slice(asked);
    expect(audiences.length).toBeGreaterThan(0);
    expect(new Set(audiences)).toEqual(
      new Set([`${AUDIENCE}#app=webdemo&op=deploy&sha256=${sha256(bytes)}`]),
    );
    expect(run.outputs).toMatchObject({ sha256: sha256(bytes), version: "testapp v2" });
    expect(await answer()).toBe("v2");
    expect(readFileSync(ws.exeFile)).toEqual(bytes);

    // The journal records the workflow from the verified token, not the runner's GITHUB_*
    // environment (which says refs/tags/v1.2.3, octocat, run 4242).
    const entry = (await status()).recent[0];
    expect(entry).toMatchObject({
      op: "deploy",
      outcome: "ok",
      after: { sha256: sha256(bytes) },
      who: {
        repository: "octo/webdemo",
        ref: "refs/tags/v1.0.0",
        actor: "monalisa",
        run_id: "7654321098",
      },
    });
    expect(entry?.who).not.toHaveProperty("keyId");
  });

  describe("refuses, with its reason, and writes nothing", () => {
    let body: Buffer;
    let sha: string;
    beforeAll(() => {
      body = readFileSync(ws.version("v3"));
      sha = sha256(body);
    });

    const policy = (claims: Partial<GithubClaims>) => () => oidc("deploy", sha, claims);
    const cases: [string, () => Promise<string>, number, string | RegExp, RegExp?][] = [
      [
        "another repository id",
        policy({ repository_id: "111" }),
        403,
        "ERR_OIDC_POLICY",
        /repository_id "111" is not in auth\.github\.repositoryIds.*123456789/,
      ],
      [
        "another owner id",
        policy({ repository_owner_id: "4242" }),
        403,
        "ERR_OIDC_POLICY",
        /repository_owner_id "4242" is not in auth\.github\.repositoryOwnerIds.*987654/,
      ],
      [
        "a branch not in refs",
        policy({ ref: "refs/heads/main", ref_type: "branch" }),
        403,
        "ERR_OIDC_POLICY",
        /ref "refs\/heads\/main" is not in auth\.github\.refs.*refs\/tags\/v\*/,
      ],
      [
        "a pull_request event (no events list names it)",
        policy({ event_name: "pull_request", head_ref: "feature", base_ref: "main" }),
        403,
        "ERR_OIDC_POLICY",
        /event_name "pull_request".*events/,
      ],
      [
        "a pull_request_target event",
        policy({ event_name: "pull_request_target", head_ref: "feature", base_ref: "main" }),
        403,
        "ERR_OIDC_POLICY",
        /event_name "pull_request_target".*events/,
      ],
      [
        "another environment",
        policy({ environment: "staging" }),
        403,
        "ERR_OIDC_POLICY",
        /environment "staging" is not in auth\.github\.environments.*production/,
      ],
      [
        "a job with no environment",
        policy({ environment: undefined }),
        403,
        "ERR_OIDC_POLICY",
        /environment/,
      ],
      [
        "a reusable workflow from another repository",
        policy({ job_workflow_ref: "mallory/tools/.github/workflows/deploy.yml@refs/heads/main" }),
        403,
        "ERR_OIDC_POLICY",
        /job_workflow_ref "mallory\/tools\/.*" is not in auth\.github\.jobWorkflowRefs/,
      ],
      [
        "a self-hosted runner",
        policy({ runner_environment: "self-hosted" }),
        403,
        "ERR_OIDC_POLICY",
        /runner_environment "self-hosted" is not in auth\.github\.runnerEnvironments/,
      ],
      [
        "a tag the global policy allows but the app's own narrows out",
        policy({ ref: "refs/tags/v3.0.0" }),
        403,
        "ERR_OIDC_POLICY",
        /ref "refs\/tags\/v3\.0\.0" is not in apps\.webdemo\.auth\.github\.refs.*refs\/tags\/v1\.\*/,
      ],
      [
        "bound to another app",
        async () => {
          const token = await issuer.mint(
            {},
            { audience: boundAudience(AUDIENCE, "otherapp", "deploy", sha) },
          );
          used.push(token);
          return token;
        },
        401,
        "ERR_AUDIENCE",
      ],
      ["bound to another operation", () => oidc("upload", sha), 401, "ERR_AUDIENCE"],
      ["bound to another artifact", () => oidc("deploy", sha256("other")), 401, "ERR_AUDIENCE"],
      [
        "for the bare audience, bound to nothing",
        () => issuer.mint({}, { audience: AUDIENCE }),
        401,
        "ERR_AUDIENCE",
      ],
      [
        "expired",
        () => oidc("deploy", sha, {}, { iat: now() - 900, lifetimeS: 300 }),
        401,
        "ERR_EXPIRED",
      ],
      [
        "not valid yet (issued an hour ahead, nbf with it, as GitHub would shape it)",
        () => oidc("deploy", sha, {}, { iat: now() + 3600 }),
        401,
        /^ERR_(CLAIM_INVALID|IAT_FUTURE)$/,
      ],
      [
        "issued an hour ahead without nbf",
        () => oidc("deploy", sha, { nbf: undefined }, { iat: now() + 3600 }),
        401,
        "ERR_IAT_FUTURE",
      ],
      [
        "signed by a key not in the JWKS",
        async () => {
          const { privateKey } = await generateKeyPair("RS256");
          return oidc("deploy", sha, {}, { kid: "D".repeat(40), signWith: privateKey });
        },
        401,
        "ERR_UNKNOWN_KEY",
      ],
      [
        "signed by another key under the issuer's kid",
        async () => {
          const { privateKey } = await generateKeyPair("RS256");
          return oidc("deploy", sha, {}, { signWith: privateKey });
        },
        401,
        "ERR_BAD_SIGNATURE",
      ],
      ["from another issuer", () => oidc("deploy", sha, {}, {}, other), 401, "ERR_ISSUER"],
      [
        "naming GitHub's issuer while signed by the configured one",
        () => oidc("deploy", sha, {}, { issuer: "https://token.actions.githubusercontent.com" }),
        401,
        "ERR_ISSUER",
      ],
      [
        "unsecured (alg none)",
        async () => {
          const claims = await issuer.mint(
            {},
            { audience: boundAudience(AUDIENCE, "webdemo", "deploy", sha) },
          );
          return unsecured(JSON.parse(Buffer.from(claims.split(".")[1]!, "base64url").toString()));
        },
        401,
        "ERR_ALG_NOT_ALLOWED",
      ],
    ];

    it.each(cases)("a token %s", async (_, make, status, code, why) => {
      const live = await answer();
      const before = snapshot(ws.dir);
      const token = await make();
      used.push(token);
      const r = await call(rx.api, "/v1/apps/webdemo/deploy", { token, body, sha256: sha });
      expectRefusal(r, token, status, code, why);
      expect(snapshot(ws.dir)).toEqual(before);
      expect(await answer()).toBe(live);
    });

    it("a replayed token: good once, refused the second time", async () => {
      const token = await oidc("deploy", sha);
      const first = await call(rx.api, "/v1/apps/webdemo/deploy", { token, body });
      expect(first.result, JSON.stringify(first.json ?? first.events)).toMatchObject({ ok: true });
      expect(readFileSync(ws.exeFile)).toEqual(body);
      const before = snapshot(ws.dir);
      const again = await call(rx.api, "/v1/apps/webdemo/deploy", { token, body });
      expectRefusal(again, token, 401, "ERR_REPLAYED");
      expect(snapshot(ws.dir)).toEqual(before);
    });

    it.each<[string, Partial<GithubClaims> | undefined, "issuer" | "other", RegExp]>([
      [
        "a branch",
        { ref: "refs/heads/main", ref_type: "branch" },
        "issuer",
        /^::error::receiver answered 403 ERR_OIDC_POLICY: .*ref "refs\/heads\/main" is not in auth\.github\.refs/,
      ],
      [
        "a pull request",
        { event_name: "pull_request", head_ref: "feature", base_ref: "main" },
        "issuer",
        /^::error::receiver answered 403 ERR_OIDC_POLICY: .*event_name "pull_request"/,
      ],
      [
        "another issuer",
        undefined,
        "other",
        /^::error::receiver answered 401 ERR_ISSUER: .*issuer/,
      ],
    ])("the bundled action shows why %s may not deploy", async (_, claims, from, why) => {
      build("v4");
      const live = await answer();
      const before = snapshot(ws.dir);
      const source = from === "other" ? other : issuer;
      source.nextClaims = claims;
      const issued = source.issued.length;
      const run = await keyless({ file: "build/webdemo-v4" }, source);
      source.nextClaims = undefined;
      used.push(...source.issued.slice(issued));
      expect(source.issued.length, shown(run)).toBeGreaterThan(issued);
      expect(run.code, shown(run)).not.toBe(0);
      expect(errorLines(run), shown(run)).toHaveLength(1);
      expect(errorLines(run)[0]).toMatch(why);
      expect(snapshot(ws.dir)).toEqual(before);
      expect(await answer()).toBe(live);
    });
  });

  it("caches the issuer's keys: verifying more tokens fetches nothing", async () => {
    await status();
    const fetches = issuer.jwksFetches + issuer.discoveryFetches;
    for (let i = 0; i < 5; i++) await status();
    expect(issuer.jwksFetches + issuer.discoveryFetches).toBe(fetches);
  });

  it("picks up a key rotation at the issuer without a restart, and keeps the old key", async () => {
    const pid = rx.child.pid;
    const beforeRotation = await oidc("status");
    await issuer.rotate();
    const fetches = issuer.jwksFetches;
    // A new kid is looked up again once jose's cooldown (at most 30 s after the last
    // fetch) allows; until then it is an unknown key. Anything else fails at once.
    // Each check mints a token and asks the receiver: every 250 ms is often enough.
    const accepted = await waitFor(
      async () => {
        const token = await oidc("status");
        const r = await call(rx.api, "/v1/apps/webdemo", { token });
        if (r.status === 200) return r;
        expectRefusal(r, token, 401, "ERR_UNKNOWN_KEY");
        return undefined;
      },
      "the receiver to accept a token signed with the new key",
      45_000,
      { intervalMs: 250 },
    );
    expect((accepted.json as AppStatus).app).toBe("webdemo");
    // One refetch, not one per unknown kid: the cooldown holds.
    expect(issuer.jwksFetches - fetches).toBeGreaterThanOrEqual(1);
    expect(issuer.jwksFetches - fetches).toBeLessThanOrEqual(2);
    // A token signed before the rotation still verifies: GitHub keeps the old key published.
    expect((await call(rx.api, "/v1/apps/webdemo", { token: beforeRotation })).status).toBe(200);
    // And the action deploys with tokens from the new key.
    const bytes = build("v5");
    const run = await keyless({ file: "build/webdemo-v5" });
    expect(run.code, shown(run)).toBe(0);
    expect(readFileSync(ws.exeFile)).toEqual(bytes);
    expect(rx.child.pid).toBe(pid);
  });

  it("fails in one line naming id-token: write when the job may not get an ID token", async () => {
    build("v6");
    const before = snapshot(ws.dir);
    const asked = issuer.tokenRequests.length;
    const run = await keyless({ file: "build/webdemo-v6" }, null);
    expect(run.code, shown(run)).not.toBe(0);
    const errors = errorLines(run);
    expect(errors, shown(run)).toHaveLength(1);
    expect(errors[0]).toContain("id-token: write");
    expect(errors[0]).not.toContain("%0A");
    expect(issuer.tokenRequests.length).toBe(asked);
    expect(snapshot(ws.dir)).toEqual(before);
  });

  it("never writes a token to its log", () => {
    const tokens = [...used, ...issuer.issued, ...other.issued];
    expect(tokens.length).toBeGreaterThan(20);
    const log = rx.logs.join("\n");
    for (const token of tokens) expect(log).not.toContain(signature(token));
  });
});

describe("keyless deploys while the issuer cannot be reached", () => {
  let issuer: Issuer;
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    issuer = await startIssuer();
    ws = keylessWorkspace(issuer);
    // A fresh receiver: it has fetched nothing from the issuer yet.
    rx = await startReceiver(ws.configFile);
  });
  afterAll(async () => {
    await rx?.stop();
    await issuer?.stop();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  it("answers 503 and writes nothing, then verifies the same token once the issuer is back", async () => {
    const body = readFileSync(ws.version("v2"));
    const token = await issuer.mint(
      {},
      { audience: boundAudience(AUDIENCE, "webdemo", "deploy", sha256(body)) },
    );
    // The whole issuer first (discovery fails), then the JWKS alone (discovery answers).
    const outages: [Issuer["down"], Issuer["downWith"]][] = [
      [true, "reset"],
      [true, 500],
      ["jwks", 500],
      ["jwks", "reset"],
    ];
    for (const [down, downWith] of outages) {
      Object.assign(issuer, { down, downWith });
      const before = snapshot(ws.dir);
      const fetches = issuer.discoveryFetches + issuer.jwksFetches;
      const r = await call(rx.api, "/v1/apps/webdemo/deploy", { token, body });
      expectRefusal(r, token, 503, "ERR_ISSUER_UNREACHABLE", /cannot reach the token issuer/);
      expect(issuer.discoveryFetches + issuer.jwksFetches, `${down} ${downWith}`).toBeGreaterThan(
        fetches,
      );
      expect(snapshot(ws.dir)).toEqual(before);
    }
    expect(issuer.discoveryFetches).toBeGreaterThanOrEqual(3);
    issuer.down = false;
    const r = await call(rx.api, "/v1/apps/webdemo/deploy", { token, body });
    expect(r.result, JSON.stringify(r.json ?? r.events)).toMatchObject({ ok: true });
    expect(await (await fetch(`${rx.gate()}/`)).text()).toBe("v2\n");
    expect(rx.logs.join("\n")).not.toContain(signature(token));
  });
});

describe("keyless deploys with pull requests allowed by name", () => {
  let issuer: Issuer;
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    issuer = await startIssuer();
    ws = createWorkspace({
      config: {
        auth: {
          keys: [],
          github: { issuer: issuer.url, ...POLICY, events: ["push", "pull_request"] },
        },
      },
    });
    rx = await startReceiver(ws.configFile);
  });
  afterAll(async () => {
    await rx?.stop();
    await issuer?.stop();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  const statusWith = async (claims: Partial<GithubClaims>) => {
    const token = await issuer.mint(claims, {
      audience: boundAudience(AUDIENCE, "webdemo", "status"),
    });
    return { token, r: await call(rx.api, "/v1/apps/webdemo", { token }) };
  };
  const pr = { head_ref: "feature", base_ref: "main" };

  it("admits pull_request once events names it, and still refuses pull_request_target", async () => {
    expect((await statusWith({ event_name: "pull_request", ...pr })).r.status).toBe(200);
    expect((await statusWith({ event_name: "push" })).r.status).toBe(200);
    const target = await statusWith({ event_name: "pull_request_target", ...pr });
    expectRefusal(
      target.r,
      target.token,
      403,
      "ERR_OIDC_POLICY",
      /event_name "pull_request_target" is not in auth\.github\.events/,
    );
  });

  it("refuses an event the list does not name", async () => {
    const { r, token } = await statusWith({ event_name: "workflow_dispatch" });
    expectRefusal(r, token, 403, "ERR_OIDC_POLICY", /event_name "workflow_dispatch"/);
  });
});

describe("an issuer written with a trailing slash", () => {
  it("names the same issuer: the receiver starts and verifies its tokens", async () => {
    const issuer = await startIssuer();
    const ws = createWorkspace({
      config: { auth: { keys: [], github: { issuer: `${issuer.url}/`, ...POLICY } } },
    });
    try {
      const rx = await startReceiver(ws.configFile);
      try {
        const token = await issuer.mint(
          {},
          {
            audience: boundAudience(AUDIENCE, "webdemo", "status"),
          },
        );
        expect((await call(rx.api, "/v1/apps/webdemo", { token })).status).toBe(200);
      } finally {
        await rx.stop();
      }
    } finally {
      await issuer.stop();
      rmSync(ws.dir, { recursive: true, force: true });
    }
  });
});
