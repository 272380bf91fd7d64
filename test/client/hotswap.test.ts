// The bundled CLI (dist/client/hotswap.mjs), copied alone into an empty folder and run with
// plain node, against the bundled receiver with real servers behind a real gate: what a
// user sees, how it exits, and what the server ends up serving.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppStatus, JournalEntry, StreamEvent } from "../../receiver/protocol.js";
import type { ReceiverProcess } from "../helpers/receiver-process.js";
import { SECRET } from "../helpers/tokens.js";
import type { Workspace } from "../helpers/workspace.js";
import { deploy } from "../helpers/deploy.js";
import { waitFor } from "../helpers/wait-for.js";
import {
  cleanEnv,
  cliSite,
  runHotswap,
  shown,
  type CliSite,
  type HotswapRun,
} from "./run-hotswap.js";

const STEPS = ["upload", "hold", "unload", "swap", "reload", "release"];

let site: CliSite;
let ws: Workspace;
let rx: ReceiverProcess;
let checkout: string;
const runs: HotswapRun[] = [];

beforeAll(async () => {
  site = await cliSite();
  ({ ws, rx, checkout } = site);
});
afterAll(() => site?.remove());

/** A build in the checkout, as a build script leaves it. */
function build(name: string, behaviour = {}): string {
  const file = join(checkout, `webdemo-${name}`);
  copyFileSync(ws.version(name, behaviour), file);
  return `webdemo-${name}`;
}

/** hotswap ARGS, from the checkout, with the receiver and the key in the environment. */
async function hotswap(args: string[], env: Record<string, string | undefined> = {}) {
  const run = await runHotswap(site.cli, args, {
    cwd: checkout,
    env: {
      HOTSWAP_URL: rx.api,
      HOTSWAP_APP: "webdemo",
      HOTSWAP_KEY: SECRET,
      HOTSWAP_AUDIENCE: "https://deploy.test",
      ...env,
    },
  });
  runs.push(run);
  return run;
}

const answer = async () => (await (await fetch(`${rx.gate()}/`)).text()).trim();
const status = async () => {
  const run = await hotswap(["status", "--json"]);
  expect(run.code, shown(run)).toBe(0);
  return JSON.parse(run.stdout) as AppStatus;
};

describe("hotswap, the bundled CLI against a real receiver", () => {
  it("deploys a build: each step as a group with its time, the result, exit 0, the new build serving", async () => {
    expect(await answer()).toBe("v1");
    const run = await hotswap(["deploy", build("v2")]);
    expect(run.code, shown(run)).toBe(0);
    for (const step of STEPS.filter((s) => s !== "hold"))
      expect(run.stdout, shown(run)).toMatch(
        new RegExp(`^== ${step} \\(\\d+(\\.\\d)? m?s\\)$`, "m"),
      );
    // Hold lasts until release: its time is the result's "requests held", not the gate closing.
    expect(run.stdout).toMatch(/^== hold \(until release\)$/m);
    expect(run.stdout).toMatch(/^ {2}requests held \d+(\.\d)? m?s, total /m);
    expect(run.stdout).toMatch(
      /^== Upload [\d.]+ (B|KB|MB) to http:\/\/127\.0\.0\.1:\d+\/v1\/apps\/webdemo\/deploy$/m,
    );
    expect(run.stdout).toContain('signing with key "ci" (HS256)');
    expect(run.stdout).toMatch(/^ {2}deploy of webdemo done, id d-/m);
    expect(run.stdout).toMatch(
      /^ {2}before → after: [0-9a-f]{7} testapp v1 → [0-9a-f]{7} testapp v2$/m,
    );
    expect(run.stderr).toBe("");
    expect(await answer()).toBe("v2");
  });

  it("uploads, then swaps the staged build in, as the seed's two links do", async () => {
    const up = await hotswap(["upload", "--file", build("v3")]);
    expect(up.code, shown(up)).toBe(0);
    expect(up.stdout).toMatch(/^ {2}upload of webdemo done/m);
    expect(await answer()).toBe("v2");
    expect((await status()).staged?.version).toBe("testapp v3");
    const swap = await hotswap(["swap"]);
    expect(swap.code, shown(swap)).toBe(0);
    expect(swap.stdout).toMatch(/^== swap \(/m);
    expect(await answer()).toBe("v3");
  });

  it("shows the status and the history, as text and as JSON", async () => {
    const text = await hotswap(["status"]);
    expect(text.code, shown(text)).toBe(0);
    expect(text.stdout).toMatch(/^live: +[0-9a-f]{12} testapp v3,/m);
    expect(text.stdout).toMatch(/^server #0: healthy, pid \d+/m);
    expect(text.stdout).toContain("releases kept (newest first):");
    const json = await status();
    expect(json.current?.version).toBe("testapp v3");
    const history = await hotswap(["history", "--limit", "2", "--json"]);
    expect(history.code, shown(history)).toBe(0);
    const entries = JSON.parse(history.stdout) as JournalEntry[];
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ op: "swap", outcome: "ok" });
    const lines = await hotswap(["history"]);
    expect(lines.stdout).toMatch(/ swap +ok +d-\S+ +[0-9a-f]{7} → [0-9a-f]{7} +held .* by \S+@/);
    expect(lines.stdout).toMatch(/ deploy +ok /);
  });

  it("rolls back to the release before, and to a release named with --to", async () => {
    const back = await hotswap(["rollback"]);
    expect(back.code, shown(back)).toBe(0);
    expect(back.stdout).toMatch(/^ {2}rollback of webdemo done/m);
    expect(await answer()).toBe("v2");
    const v1 = (await status()).releases.find((r) => r.version === "testapp v1");
    expect(v1, "v1 is kept").toBeDefined();
    const to = await hotswap(["rollback", "--to", v1!.id]);
    expect(to.code, shown(to)).toBe(0);
    expect(await answer()).toBe("v1");
  });

  it("prints a token, and only it, that the API takes for the operation it names", async () => {
    const run = await hotswap(["token", "--op", "status"]);
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const res = await fetch(`${rx.api}/v1/apps/webdemo`, {
      headers: { authorization: `Bearer ${run.stdout.trim()}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as AppStatus).app).toBe("webdemo");
    const deployToken = await hotswap(["token", "--op", "deploy"]);
    expect(deployToken.code).toBe(2);
    expect(deployToken.stderr).toContain(
      "a deploy token is bound to the artifact: give --file FILE or --sha256 HEX",
    );
  });

  it("prints the servers' output lines, and one instance's with --instance", async () => {
    const run = await hotswap(["logs"]);
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toMatch(/^\[webdemo#0\] v1 listening on \d+$/m);
    expect(run.stdout).toMatch(/^\[webdemo#1\] v1 listening on \d+$/m);
    const one = await hotswap(["logs", "--instance", "1", "--json"]);
    expect(one.code, shown(one)).toBe(0);
    const events = one.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { instance: number });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.instance === 1)).toBe(true);
  });

  it("--json passes the receiver's NDJSON through: every line parses, the last is the result", async () => {
    const run = await hotswap(["deploy", build("v4"), "--json"]);
    expect(run.code, shown(run)).toBe(0);
    const events = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as StreamEvent);
    const steps = events.filter((e) => e.type === "step" && e.state === "done");
    expect(steps.map((e) => (e as { step: string }).step)).toEqual(STEPS);
    expect(events.at(-1)).toMatchObject({ type: "result", ok: true, op: "deploy" });
    expect(await answer()).toBe("v4");
  });

  it("a broken build exits 1 with the receiver's reason, and the old version serves on", async () => {
    const run = await hotswap(["deploy", build("v5", { crashAtStart: 3 })]);
    expect(run.code, shown(run)).toBe(1);
    expect(run.stderr).toMatch(/^hotswap deploy: deploy of webdemo failed: ERR_\w+: /);
    expect(run.stderr).toContain("rolled back: the previous release serves again");
    expect(run.stderr).toContain("v5: cannot start, exiting with 3");
    expect(run.stdout).toMatch(/^== reload failed/m);
    expect(run.stdout).toMatch(/^ {2}deploy of webdemo failed, id d-/m);
    expect(await answer()).toBe("v4");
  });

  it("a wrong key exits 1 naming the refusal, its code and what to check, and nothing changes", async () => {
    const wrong = "a-wrong-secret-0123456789abcdef0123456789";
    const run = await hotswap(["deploy", build("v6")], { HOTSWAP_KEY: wrong });
    expect(run.code, shown(run)).toBe(1);
    expect(run.stderr).toMatch(
      /^hotswap deploy: deploy of webdemo refused: 401 ERR_BAD_SIGNATURE: token signature does not verify$/m,
    );
    expect(run.stderr).toContain('is the one its config holds for key id "ci"');
    expect(`${run.stdout}${run.stderr}`).not.toContain(wrong);
    const json = await hotswap(["status", "--json"], { HOTSWAP_KEY: wrong });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ type: "error", status: 401 });
    expect(await answer()).toBe("v4");
  });

  it("a wrong audience exits 1 saying which audience the token had and which the receiver expects", async () => {
    const run = await hotswap(["status"], { HOTSWAP_AUDIENCE: "https://deploy.test/" });
    expect(run.code, shown(run)).toBe(1);
    expect(run.stderr).toContain(
      'status of webdemo refused: 401 ERR_AUDIENCE: token audience does not match this receiver: the token was made for "https://deploy.test/", this receiver expects exactly "https://deploy.test"',
    );
  });

  it.each([
    [["deploy"], "deploy needs the artifact: hotswap deploy FILE"],
    [["deploy", "missing.exe"], "does not exist"],
    [["status", "--bogus"], "Unknown option '--bogus'"],
    [["status", "--key", SECRET], "--key is not accepted"],
    [["frobnicate"], 'unknown command "frobnicate"'],
    [["history", "--limit", "99"], '--limit "99" is not a whole number from 1 to 20'],
    [["status", "--url", "http://example.com"], "must use https"],
  ])(
    "bad usage %j exits 2 with the problem and the fix, before sending anything",
    async (args, message) => {
      // A listener in the receiver's place that counts who connects.
      let connections = 0;
      const listener = createServer((socket) => (connections++, socket.destroy()));
      await new Promise<void>((done) => listener.listen(0, "127.0.0.1", done));
      const { port } = listener.address() as AddressInfo;
      try {
        const run = await hotswap(args, { HOTSWAP_URL: `http://127.0.0.1:${port}` });
        expect(run.code, shown(run)).toBe(2);
        expect(run.stderr).toContain(message);
        expect(run.stderr).toMatch(/see: hotswap (\w+ )?--help$/m);
        expect(run.stdout).toBe("");
        expect(connections).toBe(0);
      } finally {
        await new Promise((done) => listener.close(done));
      }
    },
  );

  it("without a key says where to put one (exit 2)", async () => {
    const run = await hotswap(["status"], { HOTSWAP_KEY: undefined });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no key: set HOTSWAP_KEY to the key, or give --key-file FILE");
  });

  it("reads named receivers from .hotswap.json, the key from a key file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hotswap-profile-"));
    try {
      writeFileSync(join(dir, "ci.key"), `${SECRET}\n`);
      const here = {
        url: rx.api,
        app: "webdemo",
        keyFile: "ci.key",
        audience: "https://deploy.test",
      };
      const profile = {
        receivers: {
          local: here,
          production: { url: "https://deploy.example.com", app: "webdemo" },
        },
      };
      writeFileSync(join(dir, ".hotswap.json"), JSON.stringify(profile));
      const run = await runHotswap(site.cli, ["status", "--to", "local", "--json"], { cwd: dir });
      runs.push(run);
      expect(run.code, shown(run)).toBe(0);
      expect((JSON.parse(run.stdout) as AppStatus).app).toBe("webdemo");
      const bad = await runHotswap(site.cli, ["status", "--to", "staging"], { cwd: dir });
      runs.push(bad);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('has no receiver "staging" (it has local, production)');
      const help = await runHotswap(site.cli, ["rollback", "--help"], { cwd: dir });
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("hotswap rollback -r production");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("logs --follow prints the new servers' lines as they come, until interrupted", async () => {
    const child = spawn(process.execPath, [site.cli, "logs", "--follow", "--lines", "1"], {
      cwd: checkout,
      env: cleanEnv({
        HOTSWAP_URL: rx.api,
        HOTSWAP_APP: "webdemo",
        HOTSWAP_KEY: SECRET,
        HOTSWAP_AUDIENCE: "https://deploy.test",
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run: HotswapRun = { code: null, stdout: "", stderr: "" };
    child.stdout.setEncoding("utf8").on("data", (t: string) => (run.stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (run.stderr += t));
    const exited = new Promise((done) => child.once("close", done));
    try {
      // Connected once the newest line already in the buffer is printed; then v7 starts.
      await waitFor(() => run.stdout.includes("\n"), "the follower's first line");
      expect(run.stdout).not.toContain("v7");
      const deployed = await deploy(rx, ws.version("v7"));
      expect(deployed.result?.ok, JSON.stringify(deployed.result)).toBe(true);
      await waitFor(() => /^\[webdemo#\d\] v7 listening on \d+$/m.test(run.stdout), "v7's line");
    } finally {
      child.kill("SIGINT");
      await exited;
      runs.push(run);
    }
  });

  it("never printed the key, in any run of this file", () => {
    expect(runs.length).toBeGreaterThan(10);
    for (const run of runs) expect(`${run.stdout}${run.stderr}`).not.toContain(SECRET);
  });
});
