import { describe, expect, it } from "vitest";
import { appPerTest, makePool, specFor } from "./fixtures.js";
import { alive } from "../helpers/alive.mjs";

const app = appPerTest();

describe("Pool.stop", () => {
  it("stops every server with SIGTERM and takes them out of the targets", async () => {
    const logs: string[] = [];
    let changes = 0;
    const pool = makePool(specFor({ instances: 2 }), {
      log: (level, message) => logs.push(`${level}: ${message}`),
      targetsChanged: () => changes++,
    });
    await pool.start(app.exe);
    const pids = pool.status().map((s) => s.pid!);
    const changesBeforeStop = changes;

    await pool.stop();

    expect(pids.map(alive)).toEqual([false, false]);
    expect(pool.targets()).toEqual([]);
    expect(pool.status().map((s) => s.state)).toEqual(["stopped", "stopped"]);
    expect(changes).toBeGreaterThan(changesBeforeStop);
    expect(pool.exe).toBeUndefined();
    expect(logs.filter((line) => line.startsWith("warn"))).toEqual([]);
  });

  it("kills a server that ignores SIGTERM once stopTimeoutMs has passed", async () => {
    const env = { INSTANCE: "{instance}", IGNORE_SIGTERM: "1" };
    const pool = makePool(specFor({ env, stopTimeoutMs: 300 }));
    await pool.start(app.exe);
    const pid = pool.status()[0]!.pid!;

    await pool.stop();

    expect(alive(pid)).toBe(false);
    expect(pool.output()).toContain("[#0] ignoring SIGTERM");
    expect(pool.status()[0]!.state).toBe("stopped");
  });

  it("stopPath: a server that answers its stop request leaves without a signal, not killed", async () => {
    const logs: string[] = [];
    const env = { INSTANCE: "{instance}", IGNORE_SIGTERM: "1", STOP_PATH: "/quit" };
    const pool = makePool(specFor({ env, stopPath: "/quit", stopTimeoutMs: 5_000 }), {
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
    await pool.start(app.exe);
    const pid = pool.status()[0]!.pid!;

    const forced = await pool.stop();

    expect(forced).toEqual([]); // left by itself, before stopTimeout
    expect(alive(pid)).toBe(false);
    expect(pool.output()).toContain("[#0] stopping on request");
    expect(pool.output()).not.toContain("[#0] ignoring SIGTERM");
  });

  it("stopPath: a server that refuses the stop request (404) is asked with SIGTERM", async () => {
    const pool = makePool(specFor({ stopPath: "/quit", stopTimeoutMs: 5_000 }));
    await pool.start(app.exe);

    const forced = await pool.stop();

    expect(forced).toEqual([]);
    expect(pool.output()).not.toContain("[#0] stopping on request");
    expect(pool.status()[0]!.state).toBe("stopped");
  });

  it("stopPath: a server that answers but stays is killed at stopTimeout, and says so", async () => {
    const env = {
      INSTANCE: "{instance}",
      IGNORE_SIGTERM: "1",
      STOP_PATH: "/quit",
      STOP_IGNORED: "1",
    };
    const pool = makePool(specFor({ env, stopPath: "/quit", stopTimeoutMs: 300 }));
    await pool.start(app.exe);
    const pid = pool.status()[0]!.pid!;

    const forced = await pool.stop();

    expect(alive(pid)).toBe(false);
    expect(forced).toEqual([expect.stringMatching(/did not stop within stopTimeout \(300 ms\)/)]);
  });

  it("can start again after a stop", async () => {
    const pool = makePool(specFor());
    await pool.start(app.exe);
    await pool.stop();
    await pool.start(app.exe);
    expect(pool.targets()).toHaveLength(1);
  });
});
