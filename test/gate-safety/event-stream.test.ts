// An endless text/event-stream open through the gate during a deploy, with the config's
// defaults for hold (60 s), drainTimeout (10 s), health.timeout (30 s) and stopTimeout:
// the stream is cut at drainTimeout, the swap goes on, the hold ends well inside
// hold.timeout, and no other request fails. The app exits on SIGTERM only once its
// connections are closed, so a stream nobody cut would keep the hold until stopTimeout.
import { request } from "undici";
import type { ResultEvent } from "../../receiver/protocol.js";
import { describe, expect, it } from "vitest";
import { deploy } from "../helpers/deploy.js";
import { waitFor } from "../helpers/wait-for.js";
import { formatReport, holdWindows, loadReport, openLoad } from "../load/open-load.mjs";
import { ms, receiverPerTest, receiverWarnings, SLOW } from "./kit.js";

const RATE = 50; // background GET / per second

interface Stream {
  events: string[];
  /** performance.now() when the stream ended, and how ("end" or the error's code). */
  ended?: { at: number; how: string };
}

// Reads an event stream until it ends or breaks off; never throws.
function follow(url: string): Stream {
  const out: Stream = { events: [] };
  void (async () => {
    try {
      const res = await request(url, { headersTimeout: 30_000, bodyTimeout: 90_000 });
      if (res.statusCode !== 200) out.events.push(`status ${res.statusCode}`);
      let partial = "";
      for await (const chunk of res.body) {
        const parts = (partial + String(chunk)).split("\n\n");
        partial = parts.pop()!;
        out.events.push(...parts);
      }
      out.ended = { at: performance.now(), how: "end" };
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      out.ended = { at: performance.now(), how: e.code ?? e.name };
    }
  })();
  return out;
}

describe("an event stream open during a deploy (default timeouts)", SLOW, () => {
  const start = receiverPerTest();

  it("is cut at drainTimeout; the deploy succeeds well inside hold.timeout and loses nothing", async () => {
    // Only the health path is set: hold, drainTimeout, health.timeout, stopTimeout are the defaults.
    const app = {
      health: { path: "/health" },
      drainTimeout: undefined,
      stopTimeout: undefined,
      hold: undefined,
    };
    const { ws: w, rx: r } = await start({ app });
    const load = openLoad({ url: r.gate(), rate: RATE, durationMs: 70_000, timeoutMs: 65_000 });
    const holds = holdWindows();
    let unloadAt = 0;
    let result: ResultEvent | undefined;
    let stream: Stream;
    try {
      await waitFor(() => load.samples.length >= RATE, "traffic through the gate");
      stream = follow(`${r.gate()}/events`);
      await waitFor(() => stream.events.length >= 3 || stream.ended, "the stream to flow");
      expect(stream.events[0]).toBe("data: v1 open");
      const d = await deploy(r, w.build("v2"), (e) => {
        holds.onEvent(e);
        if (e.type === "step" && e.step === "unload" && e.state === "start") {
          unloadAt = performance.now();
        }
      });
      result = d.result;
      const logs = d.events.filter((e) => e.type === "log").map((e) => `${e.level} ${e.message}`);
      console.log(`deploy stream logs: ${logs.join(" | ")}`);
      expect(logs.some((l) => /still open after drainTimeout/.test(l))).toBe(true);
      await waitFor(() => load.samples.at(-1)?.version === "v2", "v2 answering", 30_000);
      await waitFor(() => stream.ended, "the client to see the stream end");
    } finally {
      await load.stop();
    }
    const report = loadReport(load.samples, holds);
    console.log(
      `event stream during a deploy: holdMs ${result?.holdMs}, stream ended ${ms(stream!.ended!.at - unloadAt)} ms after unload began ` +
        `(${stream!.ended!.how}, ${stream!.events.length} events); background at ${RATE} rps: ${formatReport(report)}\n${receiverWarnings(r)}`,
    );
    expect(result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    expect(result!.holdMs).toBeLessThan(20_000); // hold.timeout is 60 s; drainTimeout 10 s
    expect(stream!.ended!.at).toBeGreaterThan(unloadAt); // it was open until the swap
    expect(stream!.ended!.how).not.toBe("end"); // cut, not a finished answer
    expect(report.failures).toEqual({});
    expect(report.failed).toBe(0);
  });
});
