import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup, sha256, startGate, startUpstream } from "./fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

afterEach(cleanup);

describe("gate proxying", () => {
  it("passes a GET through with its path, query and Host, and counts it served", async () => {
    const up = await startUpstream(0);
    const { gate, url, port } = await startGate(() => [up.target]);
    const res = await request(`${url}/orders/7?full=1`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(await res.body.json()).toMatchObject({
      name: "u0",
      method: "GET",
      url: "/orders/7?full=1",
    });
    expect(up.seen[0]?.headers.host).toBe(`127.0.0.1:${port}`);
    expect(gate.stats()).toMatchObject({ served: 1, rejected: 0, inflight: 0, queued: 0 });
  });

  it("streams a POST body sent with Content-Length", async () => {
    const up = await startUpstream(0);
    const { url } = await startGate(() => [up.target]);
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const res = await request(`${url}/upload`, { method: "POST", body });
    expect(await res.body.json()).toMatchObject({ length: body.length, sha256: sha256(body) });
    expect(up.seen[0]?.headers["content-length"]).toBe(String(body.length));
  });

  it("streams a chunked POST body", async () => {
    const up = await startUpstream(0);
    const { url } = await startGate(() => [up.target]);
    const parts = Array.from({ length: 40 }, () => randomBytes(50_000));
    const body = Readable.from(parts);
    const res = await request(`${url}/upload`, { method: "POST", body });
    const all = Buffer.concat(parts);
    expect(await res.body.json()).toMatchObject({ length: all.length, sha256: sha256(all) });
    expect(up.seen[0]?.headers["transfer-encoding"]).toBe("chunked");
    expect(up.seen[0]?.headers["content-length"]).toBeUndefined();
  });

  it("streams a large answer back whole", async () => {
    const chunk = randomBytes(64 * 1024);
    const up = await startUpstream(0, (_req, res) => {
      let left = 128; // 8 MiB, written with backpressure
      const more = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    });
    const { url } = await startGate(() => [up.target]);
    const res = await request(`${url}/big`);
    const got = Buffer.from(await res.body.arrayBuffer());
    expect(got.length).toBe(128 * chunk.length);
    expect(sha256(got)).toBe(sha256(Buffer.concat(Array(128).fill(chunk))));
  });

  it("aborts the upstream request when the client disconnects", async () => {
    let upstreamClosed = false;
    const up = await startUpstream(0, (_req, res) => {
      res.on("close", () => (upstreamClosed = true));
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n"); // and never ends
    });
    const { gate, url } = await startGate(() => [up.target]);
    const res = await request(`${url}/events`);
    for await (const _chunk of res.body) break; // one event, then hang up
    await waitFor(() => upstreamClosed, "the upstream request to be aborted");
    await waitFor(() => gate.stats().inflight === 0, "nothing in flight");
    expect(gate.stats().served).toBe(0);
  });
});
