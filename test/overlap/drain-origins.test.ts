import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { Target } from "../../receiver/pool/target.js";
import { cleanup, startGate, startUpstream } from "../gate/fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

afterEach(cleanup);

describe("gate drainOrigins (the overlap switch)", () => {
  it("waits for the old servers' requests only, while new ones flow to the new servers", async () => {
    let finish = (): void => undefined;
    const old = await startUpstream(0, (_req, res) => {
      finish = () => res.end("old, at last");
    });
    const fresh = await startUpstream(0);
    let targets: Target[] = [old.target];
    const { gate, url } = await startGate(() => targets);

    const slow = request(`${url}/slow`);
    await waitFor(() => old.seen.length === 1, "the request to reach the old server");
    targets = [fresh.target]; // the switch: one assignment
    gate.wake();

    // New requests are not held and go to the new server while the old one drains.
    for (let i = 0; i < 5; i++) {
      const res = await request(`${url}/new`);
      expect(JSON.parse(await res.body.text())).toMatchObject({ url: "/new" });
    }
    expect(fresh.seen).toHaveLength(5);
    expect(old.seen).toHaveLength(1);
    expect(await gate.drainOrigins([fresh.target.origin], 1_000)).toBe(true);
    expect(await gate.drainOrigins([old.target.origin], 100)).toBe(false);

    const drained = gate.drainOrigins([old.target.origin, fresh.target.origin], 10_000);
    finish();
    expect(await drained).toBe(true);
    expect(await (await slow).body.text()).toBe("old, at last");
    expect(gate.stats()).toMatchObject({ inflight: 0, held: false, rejected: 0 });
  });
});
