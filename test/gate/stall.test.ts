import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TIMEOUTS } from "../../receiver/gate/gate.js";
import type { Target } from "../../receiver/pool/target.js";
import { cleanup, startGate, startUpstream } from "./fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

afterEach(cleanup);

const timeouts = { ...DEFAULT_TIMEOUTS, stallMs: 200 };

async function text(url: string, init: Parameters<typeof request>[1] = {}) {
  const res = await request(url, init);
  return { status: res.statusCode, text: await res.body.text() };
}

describe("gate passive health", () => {
  it("takes a server that owes answers out of rotation and re-sends its GETs once its health check fails", async () => {
    const hung = await startUpstream(0, () => undefined); // reads, never answers
    const live = await startUpstream(1);
    let targets: Target[] = [hung.target, live.target];
    const failures: number[] = [];
    // The pool's recheck: the hung server fails its health check, so it leaves rotation.
    const onUpstreamFailure = (instance: number) => {
      failures.push(instance);
      targets = targets.filter((t) => t.instance !== instance);
    };
    const { gate, url } = await startGate(() => targets, { timeouts, onUpstreamFailure });
    const first = text(`${url}/a`); // round robin: to the hung server
    const answer = await first;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ name: "u1", url: "/a" });
    expect(failures).toEqual([0]);
    expect(hung.seen.map((s) => s.url)).toContain("/a");
    expect(gate.stats().resent).toBe(1);
    // New requests go to the live server only.
    for (let i = 0; i < 5; i++)
      expect(JSON.parse((await text(`${url}/n${i}`)).text).name).toBe("u1");
  });

  it("leaves a slow server's requests alone when its health check keeps it in rotation", async () => {
    const slow = await startUpstream(0, (_req, res) =>
      setTimeout(() => res.end("slow but fine"), 900),
    );
    let targets: Target[] = [slow.target];
    const failures: number[] = [];
    const onUpstreamFailure = (instance: number) => failures.push(instance); // health answers: stays
    const { gate, url } = await startGate(() => targets, { timeouts, onUpstreamFailure });
    const answer = await text(`${url}/long-poll`);
    expect(answer).toEqual({ status: 200, text: "slow but fine" });
    expect(failures).toEqual([0]); // named as stalled once
    expect(slow.seen).toHaveLength(1); // and not sent again
    expect(gate.stats().resent).toBe(0);
    targets = [];
  });

  it("never re-sends a POST that a stalled server holds", async () => {
    const hung = await startUpstream(0, (req) => req.resume()); // reads the body, never answers
    const live = await startUpstream(1);
    let targets: Target[] = [hung.target, live.target];
    const onUpstreamFailure = (instance: number) => {
      targets = targets.filter((t) => t.instance !== instance);
    };
    const logs: string[] = [];
    const log = (_level: string, message: string) => logs.push(message);
    const { gate, url } = await startGate(() => targets, { timeouts, onUpstreamFailure, log });
    const controller = new AbortController();
    const post = request(`${url}/pay`, {
      method: "POST",
      body: "1",
      signal: controller.signal,
    }).catch((e: Error) => e);
    await waitFor(() => logs.some((l) => / is hung /.test(l)), "the gate to find the server hung");
    expect(logs.find((l) => / is hung /.test(l))).toMatch(
      /0 idempotent request\(s\) go to another server/,
    );
    expect(live.seen).toHaveLength(0);
    expect(gate.stats()).toMatchObject({ resent: 0, inflight: 1 });
    controller.abort();
    await post;
  });
});
