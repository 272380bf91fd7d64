// A swap's hold lasts up to drainTimeout plus the new servers' health.timeout; if that
// reaches hold.timeout, held requests would be refused by a swap that goes well. The
// config loader refuses such a config: one line naming apps.<app>.hold.timeout, exit 2,
// nothing started. One millisecond less is accepted.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { RECEIVER_CLI } from "../helpers/receiver-process.js";
import { receiverEnv } from "../helpers/workspace.js";
import { gateWorkspace, SLOW, type GateWorkspace } from "./kit.js";

interface Run {
  code: number | null;
  lines: string[];
  /** The receiver got as far as "ready" (and was stopped by the test). */
  ready: boolean;
}

// Runs `node dist/receiver/cli.mjs --config F` until it exits or says it is ready
// (then it is stopped): bounded either way.
function runReceiver(configFile: string, maxMs = 20_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RECEIVER_CLI, "--config", configFile], {
      env: { ...process.env, ...receiverEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let ready = false;
    const collect = (chunk: Buffer) => {
      out += chunk.toString();
      if (!ready && /ready\n/.test(out)) {
        ready = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const cap = setTimeout(() => child.kill("SIGKILL"), maxMs);
    child.once("exit", (code) => {
      clearTimeout(cap);
      resolve({ code, ready, lines: out.split("\n").filter(Boolean) });
    });
  });
}

const timeouts = (drain: string, health: string, hold: string) => ({
  drainTimeout: drain,
  health: { path: "/health", timeout: health },
  hold: { timeout: hold, maxRequests: 1000 },
});

describe("drainTimeout + health.timeout must stay below hold.timeout", SLOW, () => {
  let ws: GateWorkspace | undefined;
  afterEach(() => {
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
    ws = undefined;
  });

  it.each([
    ["30s", "30s", "30s"],
    ["10s", "20s", "30s"],
  ])(
    "drainTimeout %s + health.timeout %s vs hold.timeout %s: refused, exit 2, one line",
    async (drain, health, hold) => {
      const w = (ws = gateWorkspace({ app: timeouts(drain, health, hold) }));
      const run = await runReceiver(w.configFile);
      console.log(
        `drain ${drain} + health ${health} vs hold ${hold}: exit ${run.code}, ${run.lines.join(" | ")}`,
      );
      expect(run.ready).toBe(false);
      expect(run.code).toBe(2);
      expect(run.lines).toHaveLength(1);
      expect(run.lines[0]).toContain(w.configFile);
      expect(run.lines[0]).toContain("apps.webdemo.hold.timeout");
    },
  );

  it("drainTimeout 10s + health.timeout 19999ms vs hold.timeout 30s: accepted", async () => {
    const w = (ws = gateWorkspace({ app: timeouts("10s", "19999ms", "30s") }));
    const run = await runReceiver(w.configFile);
    expect(run.lines.join("\n")).not.toContain("hold.timeout");
    expect(run.ready).toBe(true);
  });
});
