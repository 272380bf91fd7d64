// Guarantee 9 (docs/design.md) with real servers: a request that kills the server it reaches is not
// replayed unless it is idempotent, and then once; its client gets a 502 that says so,
// and every other client is served meanwhile by the other server while keepAlive
// brings the dead one back.
import { readFileSync } from "node:fs";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait-for.js";
import { failure, formatReport, holdWindows, loadReport, openLoad } from "../load/open-load.mjs";
import { appStatus, receiverPerTest, receiverWarnings, SLOW, type GateWorkspace } from "./kit.js";

const RATE = 80; // background GET / per second

describe("a request that kills its server", SLOW, () => {
  const start = receiverPerTest();

  const executions = (w: GateWorkspace): string[] => {
    try {
      return readFileSync(w.executions, "utf8").split("\n").filter(Boolean);
    } catch {
      return [];
    }
  };

  // Sends `poison` under a background load, waits until both servers serve again, and
  // returns the poison's answer and what the background load saw.
  async function underLoad(poison: { method: "GET" | "POST"; path: string }) {
    const { ws: w, rx: r } = await start();
    const load = openLoad({ url: r.gate(), rate: RATE, durationMs: 40_000, timeoutMs: 25_000 });
    const good = () => load.samples.filter((s) => failure(s) === undefined).length;
    try {
      // A few seconds of traffic first, as on a gate that has served for a while: the retry
      // budget is a share of the last 5–10 s of requests, and the requests a dying server
      // had in flight (dozens on a loaded machine) are resent from it.
      await waitFor(() => good() >= 5 * RATE, "steady traffic through the gate", 30_000);
      const res = await request(`${r.gate()}${poison.path}`, {
        method: poison.method,
        headers: { connection: "close" },
        headersTimeout: 25_000,
        bodyTimeout: 25_000,
      });
      const answer = { status: res.statusCode, text: (await res.body.text()).trim() };
      // keepAlive restarts what died (1 s later): wait until both serve again, then
      // give the load a second of traffic on the restored pool.
      await waitFor(
        async () => {
          const { instances } = await appStatus(r);
          const restarts = instances.reduce((n, s) => n + s.restarts, 0);
          return restarts >= 1 && instances.every((s) => s.state === "healthy");
        },
        "the dead server(s) to be restarted and healthy",
        30_000,
      );
      const before = good();
      await waitFor(() => good() >= before + RATE, "traffic on the restored pool");
      return { answer, report: loadReport(await load.stop(), holdWindows()), ws: w, rx: r };
    } finally {
      await load.stop();
    }
  }

  it("POST /reset (no body) runs once, is answered 502, and costs the background load nothing", async () => {
    const { answer, report, ws, rx } = await underLoad({ method: "POST", path: "/reset" });
    const ran = executions(ws);
    console.log(
      `poison POST: executions ${ran.length}, answer ${answer.status} "${answer.text}"; ` +
        `background at ${RATE} rps: ${formatReport(report)}\n${receiverWarnings(rx)}`,
    );
    expect(ran).toHaveLength(1);
    expect(answer.status).toBe(502);
    expect(answer.text).toMatch(
      /^hotswap: webdemo instance \d failed after the request reached it \(.+\); not sent again: it may have run$/,
    );
    expect(report.failures).toEqual({});
    expect(report.failed).toBe(0);
  });

  it("GET /report runs at most twice (one resend), is answered 502, and costs the background load nothing", async () => {
    const { answer, report, ws, rx } = await underLoad({ method: "GET", path: "/report" });
    const ran = executions(ws);
    console.log(
      `poison GET: executions ${ran.length}, answer ${answer.status} "${answer.text}"; ` +
        `background at ${RATE} rps: ${formatReport(report)}\n${receiverWarnings(rx)}`,
    );
    expect(ran.length).toBeGreaterThanOrEqual(1);
    expect(ran.length).toBeLessThanOrEqual(2);
    expect(answer.status).toBe(502);
    expect(answer.text).toMatch(/^hotswap: webdemo .*not sent again/);
    if (ran.length === 2) expect(answer.text).toMatch(/request failed on two servers/);
    expect(report.failures).toEqual({});
    expect(report.failed).toBe(0);
  });
});
