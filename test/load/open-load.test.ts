// The load generator's own parts that the load tests lean on: a load that runs until
// stop(), the requests each hold kept waiting, and answers that went back a version.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait-for.js";
import { holdWindows, loadReport, openLoad, wentBack, type Sample } from "./open-load.mjs";

const sample = (version: string, sentAt: number, doneAt: number): Sample => ({
  kind: "get",
  keepAlive: true,
  scheduledAt: sentAt,
  sentAt,
  doneAt,
  latencyMs: doneAt - sentAt,
  status: 200,
  version,
});

describe("openLoad without durationMs", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_, res) => res.end("v1\n"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("keeps sending at its rate until stop(), then answers every request it sent", async () => {
    const load = openLoad({ url, rate: 100 });
    await waitFor(() => load.samples.length >= 30, "30 answers");
    const samples = await load.stop();
    expect(await load.done).toBe(samples);
    expect(samples.length).toBe(load.scheduled);
    expect(samples.every((s) => s.version === "v1")).toBe(true);
    const sent = load.scheduled;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(load.scheduled).toBe(sent); // stopped means stopped
  });
});

describe("loadReport's heldByHold", () => {
  it("counts the requests sent during a hold before its release and answered after it", () => {
    const holds = holdWindows();
    const windows = holds.windows;
    windows.push({ start: 100, releasing: 200, end: 210 }, { start: 500, releasing: 600 });
    const samples = [
      sample("v1", 90, 95), // before the hold
      sample("v1", 99, 150), // sent before the hold began
      sample("v2", 110, 205),
      sample("v2", 150, 201),
      sample("v2", 190, 199), // answered before the release: not held
      sample("v2", 200, 202), // sent as the release began
      sample("v3", 510, 601),
    ];
    expect(loadReport(samples, holds).heldByHold).toEqual([2, 1]);
  });
});

describe("wentBack", () => {
  const order = ["v1", "v2", "v3"];
  it("finds a request that got an older version than an answer back before it was sent", () => {
    const back = sample("v1", 30, 31);
    expect(wentBack([sample("v1", 0, 10), sample("v2", 20, 25), back], order)).toEqual([back]);
  });
  it("allows old answers from requests in flight when a newer one came back", () => {
    // The v1 request left before the v2 answer came back (an overlap switch).
    const samples = [sample("v1", 0, 5), sample("v1", 10, 40), sample("v2", 20, 25)];
    expect(wentBack(samples, order)).toEqual([]);
    expect(
      wentBack([sample("v1", 0, 5), sample("v3", 10, 12), sample("v3", 20, 22)], order),
    ).toEqual([]);
  });
  it("refuses a version the order does not name", () => {
    expect(() => wentBack([sample("v9", 0, 1)], order)).toThrow(/v9/);
  });
});
