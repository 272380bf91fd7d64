import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { Upstreams } from "../../receiver/gate/upstreams.js";
import { cleanup, startUpstream } from "./fixtures.js";

afterEach(cleanup);

describe("gate upstream pools", () => {
  it("keeps one pool per origin and closes it once unused at two sweeps in a row", async () => {
    const up = await startUpstream(0);
    const { origin } = up.target;
    const upstreams = new Upstreams(2_000);
    const pool = upstreams.get(origin);
    expect(upstreams.get(origin)).toBe(pool);
    expect((await request(origin, { dispatcher: pool })).statusCode).toBe(200);

    upstreams.sweep(new Set([origin]));
    upstreams.sweep(new Set()); // gone once: a swap may bring it back
    expect(pool.closed).toBe(false);
    upstreams.sweep(new Set());
    expect(pool.closed).toBe(true);

    const next = upstreams.get(origin);
    expect(next).not.toBe(pool);
    await upstreams.close();
    expect(next.destroyed).toBe(true);
  });
});
