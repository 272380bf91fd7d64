import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../../receiver/pool/target.js";
import { cleanup, startGate, startUpstream } from "./fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

afterEach(cleanup);

async function call(url: string, init: Parameters<typeof request>[1] = {}) {
  const res = await request(url, init);
  return { status: res.statusCode, text: await res.body.text() };
}

// An instance that counts what it ran and then dies with the request: it reads the
// request whole, then destroys the connection without a byte of answer.
async function poisoned(instance: number, runs: string[]) {
  return startUpstream(instance, (req, res) => {
    req.resume();
    req.on("end", () => {
      runs.push(`${instance} ${req.method} ${req.url}`);
      res.socket?.destroy();
    });
  });
}

describe("gate retry policy", () => {
  it("runs a body-less POST that kills its server exactly once and answers 502", async () => {
    const runs: string[] = [];
    const [a, b] = [await poisoned(0, runs), await poisoned(1, runs)];
    const { gate, url } = await startGate(() => [a.target, b.target]);
    const res = await call(`${url}/reset`, { method: "POST" });
    expect(res.status).toBe(502);
    expect(res.text).toMatch(
      /failed after the request reached it .*not sent again: it may have run/,
    );
    expect(runs).toHaveLength(1);
    expect(gate.stats()).toMatchObject({ resent: 0, rejected: 1, inflight: 0 });
  });

  it("sends a GET that kills its server to one other server at most, then answers 502", async () => {
    const runs: string[] = [];
    const ups = [await poisoned(0, runs), await poisoned(1, runs), await poisoned(2, runs)];
    const { gate, url } = await startGate(() => ups.map((up) => up.target));
    const res = await call(`${url}/report`);
    expect(res.status).toBe(502);
    expect(res.text).toMatch(/request failed on two servers/);
    expect(runs).toHaveLength(2);
    expect(new Set(runs.map((r) => r.split(" ")[0])).size).toBe(2); // two different servers
    expect(gate.stats()).toMatchObject({ resent: 1, queued: 0 });
  });

  it("sends a GET whose first server died to another one and answers from it", async () => {
    const runs: string[] = [];
    const bad = await poisoned(0, runs);
    const good = await startUpstream(1);
    const { gate, url } = await startGate(() => [bad.target, good.target]);
    const res = await call(`${url}/first-goes-to-the-bad-one`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ name: "u1" });
    expect(runs).toEqual(["0 GET /first-goes-to-the-bad-one"]);
    expect(gate.stats()).toMatchObject({ resent: 1, served: 1 });
  });

  it("never sends a GET with a body twice", async () => {
    const runs: string[] = [];
    const [a, b] = [await poisoned(0, runs), await poisoned(1, runs)];
    const { url } = await startGate(() => [a.target, b.target]);
    const res = await call(`${url}/search`, { method: "GET", body: "q=1" });
    expect(res.status).toBe(502);
    expect(runs).toHaveLength(1);
  });

  it("sends the requests a dead server had out again one at a time, so a poison takes none with it", async () => {
    // A process crash: /poison makes the instance drop every connection it has.
    const crashing = async (instance: number, runs: string[]) => {
      const sockets = new Set<Socket>();
      const server = createServer((req, res) => {
        runs.push(`${instance} ${req.url}`);
        if (req.url === "/poison") for (const s of sockets) s.destroy();
        else setTimeout(() => res.end(`${instance} ok`), 150);
      });
      server.on("connection", (s) => (sockets.add(s), s.on("close", () => sockets.delete(s))));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      return { server, target: { instance, origin: `http://127.0.0.1:${port}` } };
    };
    const runs: string[] = [];
    const [a, b] = [await crashing(0, runs), await crashing(1, runs)];
    const c = await startUpstream(2);
    let targets: Target[] = [a.target];
    const onUpstreamFailure = (instance: number) => {
      targets = targets.filter((t) => t.instance !== instance);
      if (instance === 0) targets.push(b.target); // the other server takes over
    };
    const { gate, url } = await startGate(() => targets, { onUpstreamFailure });
    const innocent = [call(`${url}/g1`), call(`${url}/g2`)];
    await waitFor(() => runs.length === 2, "both on the first server");
    const poison = await call(`${url}/poison`);
    expect(poison.status).toBe(502);
    await waitFor(
      () => targets.length === 0 && gate.stats().inflight === 0,
      "the queue to hold what is left",
    );
    targets = [c.target];
    gate.wake();
    for (const answer of await Promise.all(innocent)) expect(answer.status).toBe(200);
    expect(runs.filter((r) => r.endsWith("/poison"))).toHaveLength(2);
    for (const s of [a.server, b.server]) s.close();
  });

  it("stops resending once the retry budget is spent, so a poison pattern cannot multiply", async () => {
    const runs: string[] = [];
    const ups = [await poisoned(0, runs), await poisoned(1, runs)];
    const { gate, url } = await startGate(() => ups.map((up) => up.target));
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push((await call(`${url}/report/${i}`)).text);
    // 20 requests allow max(3, 20 × 20%) = 4 resends: 24 runs, not 40.
    expect(gate.stats().resent).toBe(4);
    expect(runs).toHaveLength(24);
    expect(answers.filter((a) => /retry budget is spent/.test(a))).toHaveLength(16);
  });

  it("a request refused before it was sent is not counted against the budget or the two-server rule", async () => {
    const live = await startUpstream(5);
    let targets: Target[] = [];
    const { gate, url } = await startGate(() => targets);
    const answer = call(`${url}/queued`);
    await waitFor(() => gate.stats().queued === 1, "the request to wait for a server");
    targets = [live.target];
    gate.wake();
    expect((await answer).status).toBe(200);
    expect(gate.stats().resent).toBe(0);
  });
});
