import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppLogLine } from "../../receiver/protocol.js";
import { call } from "../helpers/api-client.js";
import { writeChattyApp } from "../helpers/app-script.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

type Row = AppLogLine & { dropped?: number; type?: string };
const parse = (text: string): Row[] =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);

describe("app logs: the servers' lines in the receiver's output and through GET /logs", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;

  beforeAll(async () => {
    ws = createWorkspace({
      app: { env: { PORT: "{port}", INSTANCE: "{instance}" } },
      config: { metrics: true },
    });
    writeChattyApp(ws.exeFile);
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  const logs = async (query = "", app = "webdemo") => {
    const token = await mint({ op: "logs", app });
    const res = await fetch(`${rx.api}/v1/apps/${app}/logs${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
  };
  const say = async (text: string, stream = "stdout") =>
    (await fetch(`${rx.gate()}/say?stream=${stream}&text=${encodeURIComponent(text)}`)).text();
  const followers = async () => {
    const text = await (await fetch(`${rx.api}/metrics`)).text();
    return Number(/^hotswap_log_followers\{app="webdemo"\} (\d+)$/m.exec(text)?.[1]);
  };

  it("prints every server line as [app#instance] line, stdout on stdout and stderr on stderr", async () => {
    for (const i of [0, 1]) {
      await waitFor(
        () => rx.stdout.includes(`[webdemo#${i}] started #${i} on stdout`),
        `server #${i}'s stdout line in the receiver's stdout`,
      );
      await waitFor(
        () => rx.stderr.includes(`[webdemo#${i}] started #${i} on stderr`),
        `server #${i}'s stderr line in the receiver's stderr`,
      );
    }
    expect(rx.stdout.some((l) => l.includes("on stderr"))).toBe(false);
    expect(rx.stderr.some((l) => l.includes("on stdout"))).toBe(false);
    const instance = await say("a line through the gate", "stderr");
    await waitFor(
      () => rx.stderr.includes(`[webdemo#${instance}] a line through the gate`),
      "a line printed on request",
    );
  });

  it("answers the buffer as NDJSON lines {time, instance, stream, line}", async () => {
    await waitFor(async () => (await logs()).text.includes("started #1 on stderr"), "lines");
    const res = await logs();
    expect(res.status).toBe(200);
    expect(res.type).toContain("application/x-ndjson");
    const rows = parse(res.text);
    for (const i of [0, 1]) {
      for (const stream of ["stdout", "stderr"] as const) {
        const row = rows.find((r) => r.line === `started #${i} on ${stream}`);
        expect(row, `${stream} of #${i}`).toMatchObject({ instance: i, stream });
        expect(Object.keys(row!).sort()).toEqual(["instance", "line", "stream", "time"]);
        expect(Math.abs(Date.parse(row!.time) - Date.now())).toBeLessThan(60_000);
      }
    }
  });

  it("neutralises terminal escapes, control characters and invalid UTF-8", async () => {
    const escaped =
      "\\x1b[31mred\\x1b[0m \\x1b]0;owned\\x07 bell\\x0dback\\x0b2026-01-01T00:00:00.000Z info  [webdemo] forged \\u202eevil";
    await waitFor(() => rx.stdout.includes(`[webdemo#0] ${escaped}`), "the escaped line");
    const all = [...rx.stdout, ...rx.stderr];
    // eslint-disable-next-line no-control-regex
    expect(all.filter((l) => /[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(l))).toEqual([]);
    expect(all.filter((l) => l.startsWith("2026-01-01T00:00:00.000Z"))).toEqual([]);
    expect(rx.stdout).toContain("[webdemo#0] bad \ufffd\ufffd utf8");
    const rows = parse((await logs("?lines=1000")).text);
    expect(rows.find((r) => r.instance === 0 && r.line.startsWith("\\x1b[31m"))?.line).toBe(
      escaped,
    );
  });

  it("?lines=N answers the newest N; the buffer keeps at most 1,000 lines and cuts long ones", async () => {
    const instance = await (await fetch(`${rx.gate()}/many?n=1500`)).text();
    await waitFor(async () => (await logs("?lines=1")).text.includes('"many 1499"'), "1500 lines");
    const two = parse((await logs("?lines=2")).text);
    expect(two.map((r) => r.line)).toEqual(["many 1498", "many 1499"]);
    expect(two.every((r) => r.instance === Number(instance))).toBe(true);
    expect(parse((await logs("?lines=0")).text)).toEqual([]);
    expect(parse((await logs()).text)).toHaveLength(100);
    const full = parse((await logs("?lines=1000")).text);
    expect(full).toHaveLength(1000);
    expect(full[0]!.line).toBe("many 500");
    // The receiver's stdout had all of them (its reader, this test, keeps up).
    await waitFor(() => rx.stdout.includes(`[webdemo#${instance}] many 1499`), "the echo");
    expect(rx.stdout).toContain(`[webdemo#${instance}] many 0`);

    await fetch(`${rx.gate()}/long`);
    await waitFor(async () => (await logs("?lines=1")).text.includes("long:"), "the long line");
    const [long] = parse((await logs("?lines=1")).text);
    expect(long!.line).toBe(`long:${"x".repeat(4091)} [… 5909 more characters cut]`);
  });

  it("refuses a bad query with 400, an unknown app with 404, a token for another op with 403", async () => {
    for (const query of ["?lines=abc", "?lines=-1", "?lines=1001", "?follow=maybe"]) {
      const res = await logs(query);
      expect(res.status, query).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe("ERR_BAD_QUERY");
    }
    expect(JSON.parse((await logs("?lines=abc")).text).error.message).toMatch(/lines must be/);
    expect((await logs("", "nope")).status).toBe(404);
    for (const op of ["status", "deploy"] as const) {
      const res = await call(rx.api, "/v1/apps/webdemo/logs", { token: await mint({ op }) });
      expect(res.status, op).toBe(403);
      expect((res.json as { error: { code: string } }).error.code).toBe("ERR_WRONG_OP");
    }
  });

  it("?follow=1 sends lines printed after it started, and leaves no follower behind when the client goes away", async () => {
    expect(await followers()).toBe(0);
    const token = await mint({ op: "logs" });
    const client = new AbortController();
    const res = await fetch(`${rx.api}/v1/apps/webdemo/logs?follow=1&lines=0`, {
      headers: { authorization: `Bearer ${token}` },
      signal: client.signal,
    });
    expect(res.status).toBe(200);
    await waitFor(async () => (await followers()) === 1, "the follower to count");
    const rows: Row[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let partial = "";
      try {
        for await (const chunk of res.body!) {
          const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
          partial = lines.pop()!;
          rows.push(...lines.filter(Boolean).map((l) => JSON.parse(l) as Row));
        }
      } catch {
        // aborted
      }
    })();
    const marker = `followed ${Date.now()}`;
    const instance = Number(await say(marker, "stderr"));
    const row = await waitFor(() => rows.find((r) => r.line === marker), "the followed line");
    expect(row).toMatchObject({ instance, stream: "stderr" });
    client.abort();
    await reading;
    await waitFor(async () => (await followers()) === 0, "the follower to go away");
  });

  /** Follows /logs; rows as they arrive, and a way to stop. */
  const follow = async (query: string, read = true) => {
    const client = new AbortController();
    const res = await fetch(`${rx.api}/v1/apps/webdemo/logs${query}`, {
      headers: { authorization: `Bearer ${await mint({ op: "logs" })}` },
      signal: client.signal,
    });
    expect(res.status).toBe(200);
    const rows: Row[] = [];
    let partial = "";
    const reader = res.body!.getReader();
    let reading: Promise<void> | undefined;
    const start = () =>
      (reading ??= (async () => {
        const decoder = new TextDecoder();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            const lines = (partial + decoder.decode(value, { stream: true })).split("\n");
            partial = lines.pop()!;
            rows.push(...lines.filter(Boolean).map((l) => JSON.parse(l) as Row));
          }
        } catch {
          // aborted
        }
      })());
    if (read) void start();
    const stop = async () => {
      client.abort();
      await start();
    };
    return { rows, start, stop };
  };

  it("?follow=1 sends a heartbeat after 10 s of silence", { timeout: 30_000 }, async () => {
    const f = await follow("?follow=1&lines=0");
    await waitFor(() => f.rows.some((r) => r.type === "heartbeat"), "a heartbeat", 15_000, {
      intervalMs: 200,
    });
    await f.stop();
    await waitFor(async () => (await followers()) === 0, "the follower to go away");
  });

  it(
    "a follower that does not read misses lines, is told how many, and costs no memory",
    { timeout: 60_000 },
    async () => {
      const f = await follow("?follow=1&lines=0", false);
      // Far more than the socket's buffers and the stream's 256 KiB queue hold.
      for (let i = 0; i < 4; i++) await fetch(`${rx.gate()}/many?n=100000`);
      await waitFor(
        async () => (await logs("?lines=1")).text.includes('"many 99999"'),
        "the flood to be read",
        30_000,
      );
      void f.start();
      const dropped = await waitFor(() => f.rows.find((r) => r.dropped), "a dropped note", 30_000);
      expect(dropped.dropped).toBeGreaterThan(0);
      expect(Object.keys(dropped).sort()).toEqual(["dropped", "time"]);
      const lines = f.rows.filter((r) => r.line !== undefined).length;
      expect(lines).toBeLessThan(400_000);
      await f.stop();
      await waitFor(async () => (await followers()) === 0, "the follower to go away");
    },
  );

  it(
    "drops app lines while the receiver's stdout is not read, keeps serving, then says how many",
    { timeout: 60_000 },
    async () => {
      // Lines already read before the pause (an earlier test's flood may have had notes).
      const seen = rx.stdout.length;
      rx.child.stdout!.pause();
      try {
        for (let i = 0; i < 5; i++) {
          const started = Date.now();
          await fetch(`${rx.gate()}/many?n=20000`);
          expect(Date.now() - started).toBeLessThan(5_000);
        }
        const started = Date.now();
        expect((await logs("?lines=1")).status).toBe(200);
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        rx.child.stdout!.resume();
      }
      const note = await waitFor(
        () =>
          rx.stdout
            .slice(seen)
            .find((l) => /\[webdemo\] \d+ line\(s\) of its servers' stdout were dropped/.test(l)),
        "the drop note",
        30_000,
      );
      expect(note).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z warn {2}\[webdemo\] /);
      // Once drained, lines pass again (one printed before the drain may still be dropped).
      let marker = "";
      await waitFor(
        async () => {
          if (marker && rx.stdout.some((l) => l.endsWith(`] ${marker}`))) return true;
          marker = `after the drain ${Date.now()}`;
          await say(marker);
          return false;
        },
        "a line after the drain",
        15_000,
        { intervalMs: 200 },
      );
    },
  );
});
