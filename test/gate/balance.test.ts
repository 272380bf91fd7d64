import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../../receiver/pool/target.js";
import { cleanup, deadTarget, sha256, startGate, startUpstream } from "./fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

afterEach(cleanup);

async function nameOf(url: string, init: Parameters<typeof request>[1] = {}) {
  const res = await request(url, init);
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

describe("gate balancing", () => {
  it("takes turns over two instances", async () => {
    const [a, b] = [await startUpstream(0), await startUpstream(1)];
    const { url } = await startGate(() => [a.target, b.target]);
    const names: string[] = [];
    for (let i = 0; i < 4; i++) names.push(JSON.parse((await nameOf(`${url}/${i}`)).text).name);
    expect(new Set(names)).toEqual(new Set(["u0", "u1"]));
    expect(names[0]).not.toBe(names[1]);
    expect(names[2]).toBe(names[0]);
    expect(names[3]).toBe(names[1]);
  });

  it("retries a body-less request on the next instance when one refuses connections", async () => {
    const dead = await deadTarget(0);
    const live = await startUpstream(1);
    const failures: number[] = [];
    const onUpstreamFailure = (instance: number) => failures.push(instance);
    const { gate, url } = await startGate(() => [dead, live.target], { onUpstreamFailure });
    for (let i = 0; i < 4; i++) {
      const res = await nameOf(`${url}/${i}`, { method: i % 2 ? "HEAD" : "GET" });
      expect(res.status).toBe(200);
    }
    expect(live.seen).toHaveLength(4);
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures)).toEqual(new Set([0]));
    expect(gate.stats()).toMatchObject({ served: 4, rejected: 0, inflight: 0 });
  });

  it("sends a POST with a body that a refused connection never carried to another instance, body whole", async () => {
    const dead = await deadTarget(3);
    const live = await startUpstream(4);
    let targets: Target[] = [dead];
    const failures: number[] = [];
    const onUpstreamFailure = (instance: number) => failures.push(instance);
    const { gate, url } = await startGate(() => targets, { onUpstreamFailure });
    const body = "order=1&" + "x".repeat(100_000);
    const answer = nameOf(`${url}/orders`, { method: "POST", body });
    await waitFor(() => gate.stats().queued === 1, "the refused POST to wait in the queue");
    expect(failures).toEqual([3]);
    targets = [live.target];
    gate.wake();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      name: "u4",
      length: body.length,
      sha256: sha256(Buffer.from(body)),
    });
    expect(live.seen.map((seen) => seen.method)).toEqual(["POST"]);
    expect(gate.stats()).toMatchObject({ rejected: 0, inflight: 0, resent: 0 });
  });

  it("holds a request every instance refused until the pool wakes the gate", async () => {
    const dead = await deadTarget(0);
    const live = await startUpstream(1);
    let targets: Target[] = [dead];
    const failures: number[] = [];
    const onUpstreamFailure = (instance: number) => failures.push(instance);
    const { gate, url } = await startGate(() => targets, { onUpstreamFailure });
    const answer = nameOf(`${url}/after-crash`);
    await waitFor(() => gate.stats().queued === 1, "the refused request to wait in the queue");
    expect(failures).toEqual([0]);
    targets = [live.target];
    gate.wake();
    expect((await answer).status).toBe(200);
    expect(live.seen.map((seen) => seen.url)).toEqual(["/after-crash"]);
  });
});
