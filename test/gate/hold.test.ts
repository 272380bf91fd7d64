import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../../receiver/pool/target.js";
import { cleanup, startGate, startUpstream } from "./fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

afterEach(cleanup);

async function get(url: string, signal?: AbortSignal) {
  const res = await request(url, { signal });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe("gate hold", () => {
  it("queues requests while held and releases them in order to the new instances", async () => {
    const old = await startUpstream(0);
    const fresh = [await startUpstream(10), await startUpstream(11), await startUpstream(12)];
    let targets: Target[] = [old.target];
    const { gate, url } = await startGate(() => targets);
    gate.hold();
    const answers = [];
    for (let i = 1; i <= 3; i++) {
      answers.push(get(`${url}/seq/${i}`));
      await waitFor(() => gate.stats().queued === i, `request ${i} to be queued`);
    }
    expect(gate.stats().held).toBe(true);
    targets = fresh.map((up) => up.target); // the swap: new servers
    gate.release();
    const names = (await Promise.all(answers)).map((answer) => JSON.parse(answer.text).name);
    expect(old.seen).toHaveLength(0);
    // Round robin hands out instances in turn, so dispatch order shows as the order of names.
    const order = names.map((name) => fresh.findIndex((up) => up.name === name));
    expect(order[1]).toBe(((order[0] ?? 0) + 1) % 3);
    expect(order[2]).toBe(((order[1] ?? 0) + 1) % 3);
    expect(gate.stats()).toMatchObject({ held: false, queued: 0, served: 3 });
  });

  it("answers 503 with Retry-After at once when the queue is full", async () => {
    const up = await startUpstream(0);
    const hold = { timeoutMs: 30_000, maxRequests: 2 };
    const { gate, url } = await startGate(() => [up.target], { hold });
    gate.hold();
    const queued = [get(`${url}/1`), get(`${url}/2`)];
    await waitFor(() => gate.stats().queued === 2, "two requests queued");
    const overflow = await get(`${url}/3`);
    expect(overflow.status).toBe(503);
    expect(overflow.headers["retry-after"]).toBe("30");
    expect(overflow.headers["content-type"]).toMatch(/^text\/plain/);
    expect(overflow.text).toBe("hotswap: webdemo is on hold and the queue is full\n");
    expect(gate.stats()).toMatchObject({ queued: 2, rejected: 1 });
    gate.release();
    for (const answer of await Promise.all(queued)) expect(answer.status).toBe(200);
  });

  it("answers 503 with Retry-After to a request that waited the hold timeout", async () => {
    const up = await startUpstream(0);
    const hold = { timeoutMs: 300, maxRequests: 10 };
    const { gate, url } = await startGate(() => [up.target], { hold });
    gate.hold();
    const answer = await get(`${url}/slow-swap`);
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toBe("1");
    expect(answer.text).toMatch(/^hotswap: webdemo stayed on hold longer than/);
    expect(gate.stats()).toMatchObject({ queued: 0, rejected: 1 });
    expect(up.seen).toHaveLength(0);
  });

  it("drops a queued request whose client disconnects", async () => {
    const up = await startUpstream(0);
    const { gate, url } = await startGate(() => [up.target]);
    gate.hold();
    const controller = new AbortController();
    const abandoned = get(`${url}/abandoned`, controller.signal).catch((error: Error) => error);
    await waitFor(() => gate.stats().queued === 1, "the request to be queued");
    controller.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    await waitFor(() => gate.stats().queued === 0, "the request to leave the queue");
    gate.release();
    expect((await get(`${url}/next`)).status).toBe(200);
    expect(up.seen.map((seen) => seen.url)).toEqual(["/next"]);
    expect(gate.stats()).toMatchObject({ served: 1, rejected: 0 });
  });

  it("queues requests while there is no instance, until wake()", async () => {
    const up = await startUpstream(0);
    let targets: Target[] = [];
    const { gate, url } = await startGate(() => targets);
    const answer = get(`${url}/early`);
    await waitFor(() => gate.stats().queued === 1, "the request to be queued");
    expect(gate.stats().held).toBe(false);
    gate.wake(); // still no instance: it keeps waiting
    expect(gate.stats().queued).toBe(1);
    targets = [up.target];
    gate.wake();
    expect((await answer).status).toBe(200);
    expect(up.seen.map((seen) => seen.url)).toEqual(["/early"]);
  });

  it("answers queued requests 503 with Retry-After on close()", async () => {
    const up = await startUpstream(0);
    const { gate, url } = await startGate(() => [up.target]);
    gate.hold();
    const answers = [get(`${url}/1`), get(`${url}/2`)];
    await waitFor(() => gate.stats().queued === 2, "two requests queued");
    await gate.close();
    for (const answer of await Promise.all(answers)) {
      expect(answer.status).toBe(503);
      expect(answer.headers["retry-after"]).toBe("30");
      expect(answer.text).toBe("hotswap: webdemo is shutting down\n");
    }
    expect(up.seen).toHaveLength(0);
  });

  it("stays on hold after a swap's release while the admin holds it by hand", async () => {
    const up = await startUpstream(0);
    const { gate, url } = await startGate(() => [up.target]);
    gate.hold("admin");
    gate.hold(); // a deploy
    const answer = get(`${url}/held`);
    await waitFor(() => gate.stats().queued === 1, "the request to be queued");
    expect(gate.release()).toBe(false); // the deploy lets go; the admin still holds
    expect(gate.stats()).toMatchObject({ held: true, queued: 1 });
    expect(gate.holders()).toEqual(["admin"]);
    expect(gate.release("admin")).toBe(true);
    expect((await answer).status).toBe(200);
  });
});
