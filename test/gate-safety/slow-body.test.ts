// A client that announces a large body and then trickles it (a byte every 200 ms) must
// not keep a connection and a server's request for ever: with gate.bodyIdleTimeout 1s
// and gate.bodyMinRate 1KiB the gate answers 408 and closes the connection, while
// every other client is served as usual.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { failure, formatReport, loadReport, openLoad, type OpenLoad } from "../load/open-load.mjs";
import { gateWorkspace, receiverWarnings, SLOW, tearDown, type GateWorkspace } from "./kit.js";

interface Trickle {
  /** Everything the gate sent back. */
  answer: string;
  /** The gate closed the connection. */
  closed: boolean;
  bytesSent: number;
  /** ms from the headers to the first answer byte, and to the close. */
  answeredAfter?: number;
  closedAfter?: number;
}

// POST / with Content-Length: `length`, then one body byte every `everyMs`, until the
// gate answers or closes; stops by itself after `maxMs` whatever happens.
function trickle(port: number, length: number, everyMs: number, maxMs: number) {
  const out: Trickle = { answer: "", closed: false, bytesSent: 0 };
  const socket = connect(port, "127.0.0.1");
  let start = 0;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<Trickle>((resolve) => {
    let ended = false;
    const end = () => {
      ended = true;
      clearInterval(timer);
      clearTimeout(cap);
      socket.destroy();
      resolve(out);
    };
    const cap = setTimeout(end, maxMs);
    socket.on("connect", () => {
      socket.write(
        `POST / HTTP/1.1\r\nHost: gate.test\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n\r\n`,
      );
      start = performance.now();
      timer = setInterval(() => {
        if (out.answer || out.bytesSent >= length) return;
        socket.write("x");
        out.bytesSent++;
      }, everyMs);
    });
    socket.on("data", (chunk: Buffer) => {
      out.answeredAfter ??= performance.now() - start;
      out.answer += chunk.toString("latin1");
    });
    socket.on("close", () => {
      if (ended) return; // our own destroy at the cap, not the gate's close
      out.closed = true;
      out.closedAfter = performance.now() - start;
      end();
    });
    socket.on("error", () => {}); // a write racing the close: the close says what matters
  });
  return done;
}

const RATE = 50; // other clients: GET / and POST / with a body, per second

describe("a client that sends its body too slowly", SLOW, () => {
  let ws: GateWorkspace | undefined;
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    await tearDown(rx, ws);
    ws = rx = load = undefined;
  }, SLOW.timeout);

  it("gets 408 and a closed connection within a few seconds; other clients are served meanwhile", async () => {
    const gate = {
      listen: "127.0.0.1:0",
      bodyIdleTimeout: "1s",
      bodyMinRate: "1KiB",
    };
    const w = (ws = gateWorkspace({ app: { gate } }));
    const r = (rx = await startReceiver(w.configFile));
    const traffic = (load = openLoad({ url: r.gate(), rate: RATE, mix: { get: 3, post: 1 } }));
    await waitFor(
      () => traffic.samples.some((s) => s.version === "v1"),
      "traffic through the gate",
    );
    const port = Number(new URL(r.gate()).port);
    const trickleAt = performance.now();
    const slow = await trickle(port, 100_000, 200, 15_000);
    const trickleEnd = performance.now();
    // Requests sent and answered well while the slow client held its connection.
    const okDuring = traffic.samples.filter(
      (s) => s.sentAt >= trickleAt && s.doneAt <= trickleEnd && failure(s) === undefined,
    ).length;
    const report = loadReport(await traffic.stop());
    const status = /^HTTP\/1\.1 (\d{3})/.exec(slow.answer)?.[1];
    const body = slow.answer.split("\r\n\r\n")[1]?.trim();
    console.log(
      `slow body: ${status ?? "no answer"} after ${slow.answeredAfter?.toFixed(0)} ms, closed after ${slow.closedAfter?.toFixed(0)} ms, ` +
        `${slow.bytesSent} body bytes sent; "${body}"; others meanwhile: ${okDuring} ok; all others: ${formatReport(report)}\n${receiverWarnings(r)}`,
    );
    expect(status).toBe("408");
    expect(slow.answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(body).toMatch(/^hotswap: webdemo request .*(gate\.bodyMinRate|gate\.bodyIdleTimeout)/);
    expect(slow.closed).toBe(true);
    expect(slow.closedAfter!).toBeLessThan(10_000); // a bound, far below the 100 s the body would take
    expect(okDuring).toBeGreaterThan(0);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: traffic.scheduled, failed: 0 });
  });
});
