import { connect } from "node:net";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TIMEOUTS } from "../../receiver/gate/gate.js";
import { cleanup, startGate, startUpstream } from "./fixtures.js";

afterEach(cleanup);

const timeouts = { ...DEFAULT_TIMEOUTS, headersMs: 500, bodyIdleMs: 300, bodyMinRate: 1024 };

// Sends the head, then `drip` bytes of body one by one, `everyMs` apart; resolves with
// whatever came back once the gate closes the connection.
function dripPost(port: number, length: number, everyMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\n\r\n`);
      const timer = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write("a");
      }, everyMs);
      socket.once("close", () => clearInterval(timer));
    });
    let got = "";
    socket.on("data", (chunk: Buffer) => (got += chunk.toString("latin1")));
    socket.on("close", () => resolve(got));
    socket.on("error", () => undefined); // the gate may reset once it has answered
    setTimeout(
      () => reject(new Error(`not cut after 10 s; got ${JSON.stringify(got)}`)),
      10_000,
    ).unref();
  });
}

describe("gate client timeouts", () => {
  it("cuts a body that trickles in below bodyMinRate with 408, while others are served", async () => {
    const up = await startUpstream(0);
    const { gate, url, port } = await startGate(() => [up.target], { timeouts });
    const slow = dripPost(port, 100_000, 50);
    const others = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(`${url}/fast/${i}`).then((r) => r.statusCode)),
    );
    expect(others.every((status) => status === 200)).toBe(true);
    const answer = await slow;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toMatch(/slower than 1024 bytes\/s \(gate\.bodyMinRate\)/);
    expect(gate.stats().inflight).toBe(0);
  });

  it("cuts a body that stops with 408 after bodyIdleTimeout", async () => {
    const up = await startUpstream(0);
    const { port } = await startGate(() => [up.target], {
      timeouts: { ...timeouts, bodyMinRate: 0 },
    });
    const answer = await dripPost(port, 10, 60_000); // the head, then nothing
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/sent no body bytes for 300 ms \(gate\.bodyIdleTimeout\)/);
  });

  it("does not blame the client while the server is slow to take the body", async () => {
    // The server reads nothing for 1.5 s (five idle windows), then the whole body.
    const up = await startUpstream(0, (req, res) => {
      setTimeout(() => {
        let length = 0;
        req.on("data", (c: Buffer) => (length += c.length));
        req.on("end", () => res.end(String(length)));
      }, 1_500);
    });
    const { url } = await startGate(() => [up.target], { timeouts });
    const body = Buffer.alloc(32 * 1024 * 1024); // more than the socket buffers hold
    const res = await request(`${url}/big`, { method: "POST", body });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe(String(body.length));
  });

  it("cuts a client that sends its headers too slowly", async () => {
    const up = await startUpstream(0);
    const { port } = await startGate(() => [up.target], { timeouts });
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n"),
      );
      let got = "";
      socket.on("data", (c: Buffer) => (got += c.toString("latin1")));
      socket.on("close", () => resolve(got));
      socket.on("error", () => undefined);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(up.seen).toHaveLength(0);
  });
});
