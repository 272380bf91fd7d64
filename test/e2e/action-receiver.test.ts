// The shipped action (dist/action/index.js), run the way the GitHub runner runs it, against
// the shipped receiver (dist/receiver/cli.mjs) with real servers behind a real gate: what a
// user sees in the workflow log, the step's outputs and the job summary, and what the
// server ends up serving.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actionSites } from "../helpers/action-site.js";
import { sha256 } from "../helpers/api-client.js";
import { type ActionRun } from "../helpers/run-action.js";
import { snapshot } from "../helpers/snapshot.js";
import { waitFor } from "../helpers/wait-for.js";
import { formatReport, loadReport, openLoad, type OpenLoad } from "../load/open-load.mjs";
import { trafficTo } from "../load/traffic.js";

const DEPLOY_STEPS = ["upload", "hold", "unload", "swap", "reload", "release"];
const STEP_NAMES = new Set([...DEPLOY_STEPS, "rollback"]);
const RATE = 50; // requests per second through the gate, GET / and POST / with a body

const { site, cleanup } = actionSites();

// Clients of the gate that keep arriving at RATE (an open-model load), stopped after the
// test even when an assertion fails first.
function traffic(url: string): OpenLoad {
  const load = openLoad({ url, rate: RATE, mix: { get: 3, post: 1 } });
  cleanup(async () => void (await load.stop()));
  return load;
}

/** Whether `version` answered a request, among the samples from index `from` on. */
const answered = (load: OpenLoad, version: string, from = 0) =>
  load.samples.slice(from).some((sample) => sample.version === version);

/** The action's whole output, for an assertion message that shows what went wrong. */
const shown = (run: ActionRun) =>
  `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

interface Group {
  title: string;
  lines: string[];
}

// The log groups the runner folds, in order, each with the lines between its markers.
function groups(stdout: string): Group[] {
  const found: Group[] = [];
  let open: Group | undefined;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("::group::")) found.push((open = { title: line.slice(9), lines: [] }));
    else if (line === "::endgroup::") open = undefined;
    else open?.lines.push(line);
  }
  return found;
}

// Lines a group shows outside any ::stop-commands:: fence that are not the action's own
// commands: receiver text there could run workflow commands. Fences must close with their token.
function unfenced(lines: string[]): string[] {
  const loose: string[] = [];
  let token: string | undefined;
  for (const line of lines) {
    const opening = /^::stop-commands::(.+)$/.exec(line);
    if (token === undefined && opening) token = opening[1];
    else if (token !== undefined && line === `::${token}::`) token = undefined;
    else if (token === undefined && !/^::(error|warning)::/.test(line)) loose.push(line);
  }
  if (token !== undefined) loose.push(`(fence ${token} never closed)`);
  return loose;
}

/** Text between ::stop-commands:: fences, joined. */
function fencedText(stdout: string): string {
  const blocks = stdout.matchAll(/^::stop-commands::(\S+)\n([\s\S]*?)\n::\1::$/gm);
  return [...blocks].map((m) => m[2]).join("\n");
}

describe("the bundled action against a real receiver", () => {
  it("deploys v2 while a steady client sees no failure, and reports every step", async () => {
    const s = await site();
    const v1 = readFileSync(s.ws.exeFile);
    const v2 = s.build("v2");
    const load = traffic(s.rx.gate());
    await waitFor(() => answered(load, "v1"), "traffic through the gate");

    const run = await s.action({ file: "build/webdemo-v2" });

    expect(run.code, shown(run)).toBe(0);
    const seen = load.samples.length;
    await waitFor(() => answered(load, "v2", seen), "answers from v2");
    const report = loadReport(await load.stop());
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: load.scheduled, failed: 0 });
    // v1 answered until the swap, then v2, and once v2 answered v1 never did again.
    expect(report.versions).toEqual(["v1", "v2"]);

    expect(run.outputs).toEqual({
      sha256: sha256(v2),
      "previous-sha256": sha256(v1),
      "deploy-id": expect.stringMatching(/\S/),
      version: "testapp v2",
      "hold-ms": expect.stringMatching(/^\d+$/),
      "duration-ms": expect.stringMatching(/^\d+$/),
      unchanged: "false",
    });

    expect(run.summary).toContain("<table>");
    expect(run.summary).toContain("<th>app</th><td>webdemo</td>");
    expect(run.summary).toMatch(
      /<th>before → after<\/th><td><code>[0-9a-f]{7}<\/code> testapp v1 → <code>[0-9a-f]{7}<\/code> testapp v2<\/td>/,
    );
    expect(run.summary).toMatch(/<th>hold time<\/th><td>[\d.]+ m?s<\/td>/);

    const steps = groups(run.stdout).filter((g) => STEP_NAMES.has(g.title.split(" ")[0]!));
    expect(
      steps.map((g) => g.title.split(" ")[0]),
      shown(run),
    ).toEqual(DEPLOY_STEPS);
    // Each step with its time; hold's is the result's "requests held", it lasts until release.
    expect(
      steps.every((g) => / \(([\d.]+ m?s|until release)\)$/.test(g.title)),
      shown(run),
    ).toBe(true);
    expect(steps.find((g) => g.title.startsWith("hold"))?.title).toBe("hold (until release)");
    for (const step of steps) expect(unfenced(step.lines), step.title).toEqual([]);
    const fenced = fencedText(run.stdout);
    expect(fenced).toContain(sha256(v2).slice(0, 12)); // the receiver's "staged ... verified"
    expect(fenced).toMatch(/testapp v1 → .*testapp v2/);

    expect(await s.answer()).toBe("v2");
  });

  it.each([
    ["fails its health check", { unhealthy: true }, /ERR_HEALTH_CHECK: .*health answered 500/],
    ["crashes at start", { crashAtStart: 3 }, /ERR_HEALTH_CHECK: .*exited with code 3/],
  ] as const)(
    "fails the step with the receiver's reason when the new build %s, and v2 keeps serving",
    async (_, behaviour, reason) => {
      const s = await site({ app: { health: { path: "/health", timeout: "2s" } } });
      const v2 = s.build("v2");
      const good = await s.action({ file: "build/webdemo-v2" });
      expect(good.code, shown(good)).toBe(0);
      s.build("v3", behaviour);
      const load = traffic(s.rx.gate());
      await waitFor(() => answered(load, "v2"), "traffic through the gate");

      const run = await s.action({ file: "build/webdemo-v3" });

      expect(run.code, shown(run)).not.toBe(0);
      const error = run.stdout.split("\n").find((l) => l.startsWith("::error::deploy of webdemo"));
      expect(error, shown(run)).toMatch(reason);
      expect(error).toContain("rolled back");
      expect(run.outputs["sha256"]).toBe(sha256(v2));
      const report = loadReport(await load.stop());
      expect(report.failures, formatReport(report)).toEqual({});
      expect(report).toMatchObject({ sent: load.scheduled, failed: 0 });
      expect(report.versions).toEqual(["v2"]); // the held requests went to v2 again
      expect(await s.answer()).toBe("v2");
      expect(readFileSync(s.ws.exeFile)).toEqual(v2);
    },
  );

  it("shows a canary and a watch live in their groups and the summary, and fails on ERR_ERROR_RATE", async () => {
    const judged = {
      strategy: "overlap",
      health: { path: "/health", timeout: "10s" },
      canary: { share: "50%", for: "1500ms" },
      watch: { for: "20s", maxErrorRate: "2%", minRequests: 10 },
    };
    const s = await site({ app: judged });
    const v1 = readFileSync(s.ws.exeFile);
    s.build("v2", { failing: { paths: ["/slow"] } }); // good on GET /, bad on /slow
    const slow = openLoad({ url: s.rx.gate(), rate: 5, mix: { slow: 1 }, slowMs: 5, clients: 100 });
    const load = await trafficTo(s.rx.gate(), { rate: RATE, mix: { get: 1 }, clients: 100 });

    const run = await s.action({ file: "build/webdemo-v2" });
    await Promise.all([load.stop(), slow.stop()]);

    expect(run.code, shown(run)).not.toBe(0);
    const lines = run.stdout.split("\n");
    // The canary's group opened at its start and its live counts are inside it (core
    // escapes % in a command's text).
    const canary = lines.findIndex((l) => l.startsWith("::group::canary: 50%25 of clients"));
    expect(canary, shown(run)).toBeGreaterThan(-1);
    const counts = lines.slice(canary).find((l) => /^canary \d+(\.\d)?\/1\.5 s: /.test(l));
    expect(counts, shown(run)).toMatch(/answers, \d+ errors? .*; 50% of clients on the new build/);
    const error = lines.find((l) => l.startsWith("::error::deploy of webdemo"));
    expect(error, shown(run)).toMatch(/ERR_ERROR_RATE: the new build failed its (canary|watch)/);
    expect(run.summary).toMatch(/<th>(canary|watch)<\/th><td>failed: /);
    expect(readFileSync(s.ws.exeFile)).toEqual(v1);
    expect(await s.answer()).toBe("v1");
  });

  it("promotes and aborts a watched deploy with operation promote and abort", async () => {
    const s = await site({
      app: { strategy: "overlap", watch: { for: "60s", maxErrorRate: "2%", minRequests: 5 } },
    });
    const none = await s.action({ operation: "promote" });
    expect(none.code, shown(none)).not.toBe(0);
    expect(none.stdout).toMatch(
      /::error::.*nothing to promote: no deploy of webdemo is being judged/,
    );
    const load = traffic(s.rx.gate());
    await waitFor(() => answered(load, "v1"), "traffic through the gate");
    for (const [name, operation] of [
      ["v2", "promote"],
      ["v3", "abort"],
    ] as const) {
      s.build(name);
      const deploying = s.action({ file: `build/webdemo-${name}`, timeout: "120" });
      await waitFor(async () => (await s.status()).watch !== undefined, `the watch of ${name}`);
      const ended = await s.action({ operation });
      expect(ended.code, shown(ended)).toBe(0);
      const deployed = await deploying;
      expect(deployed.code, shown(deployed)).toBe(operation === "promote" ? 0 : 1);
    }
    const report = loadReport(await load.stop());
    expect(report.failures, formatReport(report)).toEqual({});
    expect(await s.answer()).toBe("v2"); // v2 promoted, v3 aborted
  });

  it("fails with the receiver's 401 message on a wrong key and changes nothing on disk", async () => {
    const s = await site();
    s.build("v2");
    const before = snapshot(s.ws.dir);

    const run = await s.action({
      file: "build/webdemo-v2",
      key: "not-the-receivers-secret-0123456789abcdef",
    });

    expect(run.code, shown(run)).not.toBe(0);
    expect(run.stdout, shown(run)).toContain(
      "::error::receiver answered 401 ERR_BAD_SIGNATURE: token signature does not verify",
    );
    expect(run.outputs).toEqual({});
    expect(snapshot(s.ws.dir)).toEqual(before);
    expect(await s.answer()).toBe("v1");
  });

  it("stages with operation upload and puts it live with operation swap, as two steps", async () => {
    const s = await site();
    const v1 = readFileSync(s.ws.exeFile);
    const v2 = s.build("v2");

    const upload = await s.action({ operation: "upload", file: "build/webdemo-v2" });

    expect(upload.code, shown(upload)).toBe(0);
    expect(upload.outputs).toMatchObject({ sha256: sha256(v2), version: "testapp v2" });
    expect(readFileSync(s.ws.updateFile)).toEqual(v2);
    expect(readFileSync(s.ws.exeFile)).toEqual(v1);
    expect(await s.answer()).toBe("v1");
    expect((await s.status()).staged).toMatchObject({ sha256: sha256(v2) });

    const swap = await s.action({ operation: "swap" });

    expect(swap.code, shown(swap)).toBe(0);
    expect(swap.outputs).toMatchObject({
      sha256: sha256(v2),
      "previous-sha256": sha256(v1),
      version: "testapp v2",
    });
    expect(await s.answer()).toBe("v2");
    expect(readFileSync(s.ws.exeFile)).toEqual(v2);
  });

  it("answers a deploy of the live artifact 'already live' with no hold; force swaps it anyway", async () => {
    const s = await site();
    const v2 = s.build("v2");
    const first = await s.action({ file: "build/webdemo-v2" });
    expect(first.code, shown(first)).toBe(0);
    expect(first.outputs.unchanged).toBe("false");
    const pids = (await s.status()).instances.map((i) => i.pid);

    const again = await s.action({ file: "build/webdemo-v2" });

    expect(again.code, shown(again)).toBe(0);
    expect(again.outputs).toMatchObject({
      unchanged: "true",
      "hold-ms": "0",
      sha256: sha256(v2),
      "previous-sha256": sha256(v2),
    });
    expect(again.stdout).toContain("webdemo is already live at this artifact: nothing swapped");
    expect(again.stdout).not.toMatch(/::group::hold/);
    expect(again.summary).toContain("already live");
    expect(
      (await s.status()).instances.map((i) => i.pid),
      "the same servers",
    ).toEqual(pids);
    const history = (await s.status()).recent[0];
    expect(history).toMatchObject({ op: "deploy", outcome: "ok", holdMs: 0 });
    expect(history?.message).toMatch(/is live already: nothing swapped/);

    const forced = await s.action({ file: "build/webdemo-v2", force: "true" });

    expect(forced.code, shown(forced)).toBe(0);
    expect(forced.outputs.unchanged).toBe("false");
    expect(forced.stdout).toMatch(/::group::hold/);
    const after = (await s.status()).instances.map((i) => i.pid);
    expect(
      after.some((pid) => pids.includes(pid)),
      "new servers after force",
    ).toBe(false);
    expect(await s.answer()).toBe("v2");

    const bad = await s.action({ operation: "rollback", force: "true" });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      'force is only used with operation deploy or swap, not "rollback"',
    );
  });

  it("rolls back to the release before, and to one named by rollback-to", async () => {
    const s = await site();
    const v1 = readFileSync(s.ws.exeFile);
    const v2 = s.build("v2");
    const v3 = s.build("v3");
    for (const name of ["v2", "v3"]) {
      const run = await s.action({ file: `build/webdemo-${name}` });
      expect(run.code, shown(run)).toBe(0);
    }
    expect(await s.answer()).toBe("v3");

    const back = await s.action({ operation: "rollback" });

    expect(back.code, shown(back)).toBe(0);
    expect(back.outputs).toMatchObject({
      sha256: sha256(v2),
      "previous-sha256": sha256(v3),
      version: "testapp v2",
    });
    expect(await s.answer()).toBe("v2");

    const release = (await s.status()).releases.find((r) => r.sha256 === sha256(v1));
    expect(release, "v1 among the kept releases").toBeDefined();
    const to = await s.action({ operation: "rollback", "rollback-to": release!.id });

    expect(to.code, shown(to)).toBe(0);
    expect(to.outputs).toMatchObject({ sha256: sha256(v1), version: "testapp v1" });
    expect(await s.answer()).toBe("v1");
    expect(readFileSync(s.ws.exeFile)).toEqual(v1);
  });

  it("fails before any request when the file glob matches two files, listing both", async () => {
    const s = await site();
    s.build("v2");
    s.build("v3");
    // A stand-in that counts requests: the action must not send one.
    let requests = 0;
    const counter = createServer((_, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => counter.listen(0, "127.0.0.1", resolve));
    cleanup(() => new Promise<void>((resolve) => counter.close(() => resolve())));
    const url = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;

    const run = await s.action({ url, file: "build/webdemo-*" });

    expect(run.code, shown(run)).not.toBe(0);
    const error = run.stdout.split("\n").find((l) => l.startsWith("::error::"));
    expect(error, shown(run)).toContain('file "build/webdemo-*" matched 2 files');
    expect(error).toContain(join(s.checkout, "build", "webdemo-v2"));
    expect(error).toContain(join(s.checkout, "build", "webdemo-v3"));
    expect(requests).toBe(0);
    expect(run.outputs).toEqual({});
  });
});
