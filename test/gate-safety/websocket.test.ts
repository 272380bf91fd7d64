// WebSockets through the real gate to real servers: an echo, an upgrade that arrives
// during a hold and waits for the new version, and a tunnel still open during a swap,
// which is cut at drainTimeout so that it cannot stretch the hold.
import { afterEach, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { deploy } from "../helpers/deploy.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import {
  formatReport,
  holdWindows,
  loadReport,
  openLoad,
  type OpenLoad,
} from "../load/open-load.mjs";
import {
  appStatus,
  gateWorkspace,
  ms,
  openSocket,
  receiverWarnings,
  SLOW,
  tearDown,
  type GateWorkspace,
  type SocketLog,
} from "./kit.js";

const RATE = 50; // plain HTTP beside the sockets: GET / and POST / with a body, per second
const wsUrl = (gate: string) => `${gate.replace(/^http/, "ws")}/ws`;

describe("WebSockets through the gate", SLOW, () => {
  let ws: GateWorkspace | undefined;
  let rx: ReceiverProcess | undefined;
  let load: OpenLoad | undefined;
  const sockets: SocketLog[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.ws.close();
    await load?.stop();
    await tearDown(rx, ws);
    ws = rx = load = undefined;
  }, SLOW.timeout);

  const open = (url: string) => {
    const s = openSocket(url);
    sockets.push(s);
    return s;
  };

  it("echoes through the gate, beside plain HTTP on the same port", async () => {
    const w = (ws = gateWorkspace());
    const r = (rx = await startReceiver(w.configFile));
    const s = open(wsUrl(r.gate()));
    await waitFor(() => s.messages.includes("hello v1") || s.closed, "the socket to open");
    expect(s.error).toBeUndefined();
    s.ws.send("ping 1");
    s.ws.send("x".repeat(70_000)); // a frame with a 64-bit length, in several TCP segments
    await waitFor(() => s.messages.length >= 3 || s.closed, "two echoes");
    expect(s.messages).toEqual(["hello v1", "v1: ping 1", `v1: ${"x".repeat(70_000)}`]);
    const res = await fetch(`${r.gate()}/`);
    expect(`${res.status} ${(await res.text()).trim()}`).toBe("200 v1");
    s.ws.close(1000, "done");
    await waitFor(() => s.closed, "the close");
    expect(s.closed!.code).toBe(1000);
  });

  it("an upgrade that arrives during a hold waits, and reaches the new version", async () => {
    const w = (ws = gateWorkspace());
    const r = (rx = await startReceiver(w.configFile));
    let held: SocketLog | undefined;
    let releaseAt = 0;
    let queuedSeen = 0;
    const onEvent = (e: StreamEvent) => {
      if (e.type !== "step") return;
      // The old servers are gone and the new ones are starting: the gate holds.
      if (e.step === "reload" && e.state === "start") held = open(wsUrl(r.gate()));
      if (e.step === "release" && e.state === "start") releaseAt = performance.now();
    };
    const deploying = deploy(r, w.build("v2", { startDelayMs: 1_500 }), onEvent);
    // While v2 starts, the upgrade is one of the requests waiting in the hold queue.
    await waitFor(async () => {
      if (held) queuedSeen = Math.max(queuedSeen, (await appStatus(r)).hold.queued);
      return queuedSeen > 0 || releaseAt > 0;
    }, "the upgrade to wait in the hold queue");
    const d = await deploying;
    expect(d.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    await waitFor(() => held!.messages.length > 0 || held!.closed, "the held socket to open");
    console.log(
      `upgrade during a hold: queued ${queuedSeen}, opened ${ms(held!.openedAt! - releaseAt)} ms after the release began, first message "${held!.messages[0]}"`,
    );
    expect(queuedSeen).toBeGreaterThan(0);
    expect(held!.error).toBeUndefined();
    expect(held!.openedAt!).toBeGreaterThanOrEqual(releaseAt);
    expect(held!.messages[0]).toBe("hello v2");
    held!.ws.send("after the swap");
    await waitFor(() => held!.messages.length >= 2 || held!.closed, "the echo");
    expect(held!.messages[1]).toBe("v2: after the swap");
  });

  it("a socket open during a swap is cut at drainTimeout; the hold does not wait for it", async () => {
    // The app exits on SIGTERM only once its connections are closed: a tunnel left open
    // would keep v1 alive until the SIGKILL after stopTimeout, and the hold with it.
    const drainMs = 1_000;
    const stopMs = 8_000;
    const w = (ws = gateWorkspace({
      app: {
        drainTimeout: "1s",
        stopTimeout: "8s",
        health: { path: "/health", timeout: "5s" },
        hold: { timeout: "15s", maxRequests: 1000 },
      },
    }));
    const r = (rx = await startReceiver(w.configFile));
    const s = open(wsUrl(r.gate()));
    await waitFor(() => s.messages.includes("hello v1") || s.closed, "the socket to open");
    const traffic = (load = openLoad({ url: r.gate(), rate: RATE, mix: { get: 3, post: 1 } }));
    await waitFor(
      () => traffic.samples.some((x) => x.version === "v1"),
      "traffic through the gate",
    );
    const holds = holdWindows();
    let unloadAt = 0;
    const d = await deploy(r, w.build("v2"), (e) => {
      holds.onEvent(e);
      if (e.type === "step" && e.step === "unload" && e.state === "start") {
        unloadAt = performance.now();
      }
    });
    await waitFor(() => traffic.samples.at(-1)?.version === "v2", "v2 answering");
    const report = loadReport(await traffic.stop(), holds);
    await waitFor(() => s.closed, "the client to see the close");
    const holdMs = d.result?.holdMs;
    const logs = d.events.filter((e) => e.type === "log").map((e) => `${e.level} ${e.message}`);
    console.log(
      `socket open during a swap (drainTimeout ${drainMs} ms): holdMs ${holdMs}, socket closed ${ms(s.closed!.at - unloadAt)} ms after unload began (code ${s.closed!.code}); ` +
        `load ${formatReport(report)}\nstream logs: ${logs.join(" | ")}\n${receiverWarnings(r)}`,
    );
    expect(d.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
    expect(logs.some((l) => /still open after drainTimeout/.test(l))).toBe(true);
    expect(logs.some((l) => /kill/i.test(l))).toBe(false); // v1 exited on its own
    expect(holdMs).toBeLessThan(drainMs + stopMs);
    expect(s.closed!.at).toBeGreaterThan(unloadAt); // open until the swap cut it
    expect(s.messages).toEqual(["hello v1"]);
    expect(report.failures, formatReport(report)).toEqual({});
    expect(report).toMatchObject({ sent: traffic.scheduled, failed: 0, holds: 1 });
    expect(report.versions).toEqual(["v1", "v2"]);
    // The hold lasted at least drainTimeout: the requests that arrived meanwhile all waited.
    expect(report.heldByHold[0]).toBeGreaterThan(4);
  });
});
