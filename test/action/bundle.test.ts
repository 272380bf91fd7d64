// The bundled action, run as the runner runs it, against a small receiver stand-in: checks
// what goes over the wire and what comes out in the log, the outputs and the summary.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { jwtVerify, type JWTPayload } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { boundAudience, NDJSON, type StreamEvent } from "../../receiver/protocol.js";
import { runAction } from "../helpers/run-action.js";

const SECRET = "0123456789abcdef0123456789abcdef-test";
const ARTIFACT = randomBytes(3 * 1024 * 1024);
const SHA = createHash("sha256").update(ARTIFACT).digest("hex");

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  bodySha256?: string;
  bodySize?: number;
  claims?: JWTPayload;
}
type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => Promise<void>;

let server: Server;
let base: string;
let workspace: string;
let handler: Handler;
let seen: Seen[];

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "hotswap-bundle-"));
  await mkdir(join(workspace, "dist"));
  await writeFile(join(workspace, "dist", "webdemo-1.2.4.exe"), ARTIFACT);
  server = createServer((req, res) => {
    const entry: Seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
    seen.push(entry);
    handler(req, res, entry).catch((error: Error) => res.destroy(error));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(workspace, { recursive: true, force: true });
});
beforeEach(() => {
  seen = [];
});

function deploy(inputs: Record<string, string> = {}, env?: Record<string, string>) {
  return runAction({
    inputs: { url: base, app: "webdemo", file: "dist/webdemo-*.exe", key: SECRET, ...inputs },
    env,
    workspace,
  });
}

async function readBody(req: IncomingMessage, entry: Seen): Promise<void> {
  const hash = createHash("sha256");
  entry.bodySize = 0;
  for await (const chunk of req) {
    hash.update(chunk as Buffer);
    entry.bodySize += (chunk as Buffer).length;
  }
  entry.bodySha256 = hash.digest("hex");
}

async function verify(req: IncomingMessage, entry: Seen): Promise<void> {
  const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
  const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
    algorithms: ["HS256"],
    audience: base,
    requiredClaims: ["exp", "iat", "jti"],
  });
  entry.claims = payload;
}

// Answers like the receiver: reads the upload, then streams events a line at a time.
function streaming(events: StreamEvent[], gapMs = 20): Handler {
  return async (req, res, entry) => {
    await verify(req, entry);
    await readBody(req, entry);
    res.writeHead(200, { "content-type": NDJSON });
    for (const event of events) {
      res.write(`${JSON.stringify(event)}\n`);
      await sleep(gapMs);
    }
    res.end();
  };
}

function refusing(status: number, body: string, type = "application/json"): Handler {
  return async (_req, res) => {
    res.writeHead(status, { "content-type": type }).end(body);
  };
}

const version = {
  sha256: SHA,
  size: ARTIFACT.length,
  mtime: "2024-05-01T10:00:00Z",
  version: "1.2.4",
};
const previous = {
  sha256: "a".repeat(64),
  size: 1,
  mtime: "2024-04-01T10:00:00Z",
  version: "1.2.3",
};
const done: StreamEvent = {
  type: "result",
  ok: true,
  deployId: "dep-42",
  op: "deploy",
  app: "webdemo",
  version,
  previous,
  holdMs: 12,
  durationMs: 3456,
};
const swapSteps: StreamEvent[] = [
  { type: "step", step: "upload", state: "done", ms: 40 },
  { type: "step", step: "hold", state: "start" },
  { type: "heartbeat" },
  { type: "step", step: "hold", state: "done", ms: 12 },
  { type: "step", step: "reload", state: "start" },
  { type: "log", level: "info", message: "::error::injected by the receiver" },
  { type: "log", level: "warn", message: "health check slow" },
  { type: "step", step: "reload", state: "done", ms: 1500 },
];

/** Lines the runner would treat as workflow commands: those outside stop-commands fences. */
function commandLines(stdout: string): string[] {
  const live: string[] = [];
  let fence: string | undefined;
  for (const line of stdout.split("\n")) {
    if (fence) {
      if (line === `::${fence}::`) fence = undefined;
    } else if (line.startsWith("::stop-commands::")) fence = line.slice("::stop-commands::".length);
    else if (line.startsWith("::")) live.push(line);
  }
  return live;
}

describe("the bundled action", () => {
  it("deploys: uploads the file with its digest and renders the stream", async () => {
    handler = streaming([...swapSteps, done]);
    const run = await deploy();
    expect(run.code, run.stdout + run.stderr).toBe(0);

    const [request] = seen;
    expect(seen).toHaveLength(1);
    expect(request).toMatchObject({
      method: "POST",
      url: "/v1/apps/webdemo/deploy",
      bodySha256: SHA,
    });
    expect(request?.headers).toMatchObject({
      "content-type": "application/octet-stream",
      "content-length": String(ARTIFACT.length),
      "x-hotswap-sha256": SHA,
    });
    expect(request?.claims).toMatchObject({
      aud: base,
      app: "webdemo",
      op: "deploy",
      sha256: SHA,
      repository: "octo/webdemo",
      ref: "refs/tags/v1.2.3",
      run_id: "4242",
      actor: "octocat",
    });
    expect(request!.claims!.exp! - request!.claims!.iat!).toBe(300);

    const commands = commandLines(run.stdout);
    // Hold's own 12 ms is the gate closing, not how long requests waited: that is the result's.
    expect(commands).toContain("::group::hold (until release)");
    expect(run.stdout).toContain("requests held 12 ms, total 3.5 s");
    expect(commands).toContain("::group::reload (1.5 s)");
    expect(commands).toContain("::warning::health check slow");
    expect(commands.join("\n")).not.toContain("injected");
    expect(run.stdout).toContain("::error::injected by the receiver");
    expect(run.stdout).toMatch(/uploaded 3\.1 MB in/);

    expect(run.outputs).toEqual({
      "deploy-id": "dep-42",
      version: "1.2.4",
      sha256: SHA,
      "previous-sha256": previous.sha256,
      "hold-ms": "12",
      "duration-ms": "3456",
      unchanged: "false",
    });
    expect(run.summary).toContain("webdemo");
    expect(run.summary).toContain(`<code>${SHA.slice(0, 7)}</code> 1.2.4`);
    expect(run.summary).toContain("https://github.com/octo/webdemo/actions/runs/4242");
  });

  it("fails with the receiver's code and message on an HTTP error, without uploading on", async () => {
    handler = refusing(
      401,
      JSON.stringify({ error: { code: "ERR_EXPIRED", message: "token has expired" } }),
    );
    const run = await deploy();
    expect(run.code).toBe(1);
    // The code beside the message, as the README's Troubleshooting table is keyed.
    expect(run.stdout).toContain("::error::receiver answered 401 ERR_EXPIRED: token has expired");
    expect(seen).toHaveLength(1);
  });

  it("shows a non-JSON error answer as it came", async () => {
    handler = refusing(502, "<html>bad gateway</html>", "text/html");
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("receiver answered 502 Bad Gateway: <html>bad gateway</html>");
  });

  it("retries a 409 with a fresh token, then succeeds", async () => {
    const busy = refusing(
      409,
      JSON.stringify({ error: { code: "ERR_BUSY", message: "a deploy is running" } }),
    );
    const ok = streaming([done]);
    handler = async (req, res, entry) => {
      await verify(req, entry);
      return (seen.length === 1 ? busy : ok)(req, res, entry);
    };
    const run = await deploy();
    expect(run.code, run.stdout).toBe(0);
    expect(seen).toHaveLength(2);
    expect(run.stdout).toContain(
      "receiver answered 409 ERR_BUSY: a deploy is running; trying again in 1.0 s (try 1)",
    );
    expect(seen[1]?.bodySha256).toBe(SHA);
    expect(seen[0]?.claims?.jti).not.toBe(seen[1]?.claims?.jti);
  });

  it("fails with the code, the message and the servers' last output when the result is not ok", async () => {
    handler = streaming([
      { type: "step", step: "reload", state: "failed", ms: 30_000, message: "health check failed" },
      {
        type: "result",
        ok: false,
        deployId: "dep-43",
        op: "deploy",
        app: "webdemo",
        error: { code: "HEALTH_CHECK_FAILED", message: "/health did not answer within 30 s" },
        rolledBack: true,
        output: ["listening on 8081", "panic: no config"],
        previous,
        holdMs: 30_100,
        durationMs: 31_000,
      },
    ]);
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "::error::deploy of webdemo failed: HEALTH_CHECK_FAILED: /health did not answer within 30 s%0Arolled back",
    );
    expect(run.stdout).toContain("panic: no config");
    expect(run.outputs["deploy-id"]).toBe("dep-43");
    expect(run.summary).toContain("HEALTH_CHECK_FAILED");
  });

  it("a failure annotation shows the last lines of a long output, probe lines as one, how many of all and where they are", async () => {
    // 12 lines of a server's start, then 38 of it logging each health probe.
    const boot = "abcdefghijkl".split("").map((c) => `[#1] boot step ${c}`);
    const probes = Array.from({ length: 38 }, (_, i) => `[#1] 10:00:${i + 10} GET /health 404`);
    handler = streaming([
      {
        type: "result",
        ok: false,
        deployId: "dep-44",
        op: "deploy",
        app: "webdemo",
        error: { code: "ERR_HEALTH_CHECK", message: "GET /health answered 404 five times" },
        rolledBack: true,
        output: [...boot, ...probes],
        previous,
        holdMs: 2_100,
        durationMs: 3_000,
      },
    ]);
    const run = await deploy();
    expect(run.code).toBe(1);
    const annotation = run.stdout.split("\n").find((l) => l.startsWith("::error::deploy of"));
    expect(annotation!.split("%0A")).toEqual([
      "::error::deploy of webdemo failed: ERR_HEALTH_CHECK: GET /health answered 404 five times",
      "rolled back: the previous release serves again",
      `server output (the last 45 of 50 lines; all of them: GET ${base}/v1/apps/webdemo/logs, or the receiver's admin page):`,
      ...boot.slice(-7).map((l) => `  ${l}`),
      "  [#1] 10:00:47 GET /health 404 (and 37 like it before)",
    ]);
  });

  it("shows sizes in the unit that fits: bytes for a small file, MB for the 3 MB one", async () => {
    await mkdir(join(workspace, "small"), { recursive: true });
    await writeFile(join(workspace, "small", "tiny.exe"), Buffer.alloc(512, 1));
    handler = async (req, res, entry) => {
      await readBody(req, entry);
      res.writeHead(200, { "content-type": NDJSON }).end(`${JSON.stringify(done)}\n`);
    };
    const small = await deploy({ file: "small/tiny.exe" });
    expect(small.code, small.stdout).toBe(0);
    expect(small.stdout).toContain("512 B, sha256 ");
    expect(small.stdout).toMatch(/::group::Upload 512 B to /);
    expect(small.stdout).not.toContain("0.0 MB");
    // The summary's size is the live file's (done's version: the 3 MB artifact).
    expect(small.summary).toMatch(/<th>size<\/th><td>3\.1 MB<\/td>/);
  });

  it("fails when the stream ends without a result", async () => {
    handler = streaming([{ type: "step", step: "hold", state: "start" }]);
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("::group::hold (unfinished)");
    expect(run.stdout).toContain("ended without a result");
  });

  it("fails when the connection breaks off mid-stream", async () => {
    handler = async (req, res, entry) => {
      await readBody(req, entry);
      res.writeHead(200, { "content-type": NDJSON });
      res.write(`${JSON.stringify({ type: "step", step: "hold", state: "start" })}\n`);
      await sleep(50);
      res.socket?.destroy();
    };
    const run = await deploy();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("::group::hold (unfinished)");
    expect(run.stdout).toContain("::error::the receiver's answer broke off (");
    expect(run.stdout).toContain("GET " + base + "/v1/apps/webdemo");
  });

  it("swaps and rolls back without a body", async () => {
    handler = streaming([{ ...done, op: "swap" }]);
    const swap = await deploy({ operation: "swap", file: "" });
    handler = streaming([{ ...done, op: "rollback" }]);
    const rollback = await deploy({ operation: "rollback", file: "", "rollback-to": "r-7" });
    expect([swap.code, rollback.code]).toEqual([0, 0]);
    expect(seen.map((s) => s.url)).toEqual([
      "/v1/apps/webdemo/swap",
      "/v1/apps/webdemo/rollback?to=r-7",
    ]);
    for (const request of seen) {
      expect(request.headers["content-length"]).toBe("0");
      expect(request.headers["x-hotswap-sha256"]).toBeUndefined();
      expect(request.bodySize).toBe(0);
      expect(request.claims).not.toHaveProperty("sha256");
    }
  });

  it("deploys keyless with a GitHub OIDC token bound to the app, operation and artifact", async () => {
    let audience: string | null = null;
    handler = async (req, res, entry) => {
      const url = new URL(req.url ?? "", base);
      if (url.pathname === "/token") {
        audience = url.searchParams.get("audience");
        res.writeHead(200, { "content-type": "application/json" }).end('{"value":"oidc-id-token"}');
        return;
      }
      await readBody(req, entry);
      res.writeHead(200, { "content-type": NDJSON }).end(`${JSON.stringify(done)}\n`);
    };
    const run = await deploy(
      { key: "" },
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t",
      },
    );
    expect(run.code, run.stdout).toBe(0);
    expect(audience).toBe(boundAudience(base, "webdemo", "deploy", SHA));
    expect(seen.at(-1)?.headers.authorization).toBe("Bearer oidc-id-token");
    expect(seen.at(-1)?.bodySha256).toBe(SHA);
  });

  it("without a key or id-token permission, says how to fix it", async () => {
    const run = await deploy({ key: "" });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('add "permissions: id-token: write" to the job');
    expect(seen).toHaveLength(0);
  });

  it("retries an unreachable receiver until the timeout", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await deploy({ url: `http://127.0.0.1:${port}`, timeout: "2" });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("ECONNREFUSED");
    expect(run.stdout).toContain("trying again in 1.0 s");
    expect(run.stdout).toMatch(/::error::timed out after 2 s \(input "timeout"\)/);
  });

  it("fails fast with a clear message when run with no inputs", async () => {
    const run = await runAction({ inputs: {} });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("::error::Input required and not supplied: url");
  });
});
