// The config's gate keys and trustProxy reach the gate of a real receiver: a peer
// in trustProxy has its X-Forwarded-Proto and -Host believed, any other peer has
// them written by the gate, and gate.headersTimeout cuts a client that never ends
// its request head (the 20 s default would outlast this test's bound).
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

// A server that answers with the forwarding headers it was sent.
const ECHO_APP = `#!/usr/bin/env node
const http = require("node:http");
if (process.argv.includes("--version")) { console.log("echo 1"); process.exit(0); }
const server = http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  const h = req.headers;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ for: h["x-forwarded-for"], proto: h["x-forwarded-proto"], host: h["x-forwarded-host"] }));
});
server.listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => { server.close(); process.exit(0); });
`;

let ws: Workspace | undefined;
let rx: ReceiverProcess | undefined;
afterEach(async () => {
  await rx?.stop();
  if (ws) rmSync(ws.dir, { recursive: true, force: true });
  ws = rx = undefined;
});

async function receiverWith(config: Record<string, unknown>, app: Record<string, unknown> = {}) {
  ws = createWorkspace({ v1: null, config, app: { instances: 1, ...app } });
  writeFileSync(ws.exeFile, ECHO_APP);
  chmodSync(ws.exeFile, 0o755);
  rx = await startReceiver(ws.configFile);
  return rx;
}

// What the server saw of a request that claims to come through an https proxy.
async function forwarded(gate: string) {
  const res = await fetch(`${gate}/`, {
    headers: { "x-forwarded-proto": "https", "x-forwarded-host": "www.example.com" },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { for?: string; proto?: string; host?: string };
}

describe("trustProxy, from the config to the gate", () => {
  it("believes X-Forwarded-Proto and -Host from a listed peer", async () => {
    const r = await receiverWith({ trustProxy: ["10.0.0.0/8", "127.0.0.1", "::1"] });
    const seen = await forwarded(r.gate());
    expect(seen.proto).toBe("https");
    expect(seen.host).toBe("www.example.com");
  });

  it("writes them itself for every peer when the list is empty (the default)", async () => {
    const r = await receiverWith({});
    const gateHost = new URL(r.gate()).host;
    const seen = await forwarded(r.gate());
    expect(seen.proto).toBe("http");
    expect(seen.host).toBe(gateHost);
    expect(seen.for).toMatch(/127\.0\.0\.1$/);
  });

  it("does not believe a peer outside the list", async () => {
    const r = await receiverWith({ trustProxy: ["10.0.0.0/8"] });
    expect((await forwarded(r.gate())).proto).toBe("http");
  });
});

describe("gate timeouts, from the config to the gate", () => {
  it("cuts a client that never finishes its request head after gate.headersTimeout", async () => {
    const r = await receiverWith({}, { gate: { listen: "127.0.0.1:0", headersTimeout: "500ms" } });
    const { hostname, port } = new URL(r.gate());
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write("GET / HTTP/1.1\r\nHost: x\r\n"),
      );
      let got = "";
      socket.on("data", (c: Buffer) => (got += c.toString("latin1")));
      socket.on("close", () => resolve(got));
      socket.on("error", () => undefined); // a reset after the answer: the close says enough
      // Far below the 20 s default: only a gate that got the config's 500 ms closes in time.
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`still open after 10 s; got ${JSON.stringify(got)}`));
      }, 10_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});
