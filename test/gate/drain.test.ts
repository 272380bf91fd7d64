import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, startGate, startUpstream } from "./fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

afterEach(cleanup);

describe("gate drain", () => {
  it("waits for a slow request in flight, and gives up at its timeout without cutting it", async () => {
    let finish = (): void => undefined;
    const up = await startUpstream(0, (_req, res) => {
      finish = () => res.end("done at last");
    });
    const { gate, url } = await startGate(() => [up.target]);
    expect(await gate.drain(1_000)).toBe(true); // nothing in flight

    const answer = request(`${url}/report`);
    await waitFor(() => up.seen.length === 1, "the request to reach the instance");
    expect(gate.stats().inflight).toBe(1);
    gate.hold();
    expect(await gate.drain(100)).toBe(false);

    const drained = gate.drain(10_000);
    finish();
    expect(await drained).toBe(true);
    const res = await answer;
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe("done at last");
    expect(gate.stats()).toMatchObject({ inflight: 0, served: 1 });
  });
});
