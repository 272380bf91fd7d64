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

  it("can start again after a stop", async () => {
    const pool = makePool(specFor());
    await pool.start(app.exe);
    await pool.stop();
    await pool.start(app.exe);
    expect(pool.targets()).toHaveLength(1);
  });
});
