import { describe, expect, it } from "vitest";
import { appPerTest, makePool, specFor } from "./fixtures.js";
import { getJson, waitFor } from "./wait-for.js";

const app = appPerTest();

describe("Pool keeps servers running", () => {
  it("restarts a healthy server killed from outside, on the same port, with backoff", async () => {
    const logs: string[] = [];
    const seen: number[][] = [];
    const pool = makePool(specFor({ instances: 2 }), {
      log: (level, message) => logs.push(`${level}: ${message}`),
      targetsChanged: () => seen.push(pool.targets().map((t) => t.instance)),
    });
    await pool.start(app.exe);
    const before = pool.status()[1]!;
    const origin = pool.targets()[1]!.origin;
    seen.length = 0;

    process.kill(before.pid!, "SIGKILL");

    await waitFor("#1 to leave the targets", () => seen.some((t) => t.join() === "0"));
    expect(logs).toContain("warn: server #1 was killed by SIGKILL; restarting in 1000 ms");
    await waitFor("#1 to be back", () => pool.targets().length === 2);
    const after = pool.status()[1]!;
    expect(after).toMatchObject({ state: "healthy", restarts: 1, port: before.port });
    expect(after.pid).not.toBe(before.pid);
    expect(pool.targets()[1]!.origin).toBe(origin);
    expect((await getJson(origin)).pid).toBe(after.pid);
    expect(seen.at(-1)).toEqual([0, 1]);

    process.kill(after.pid!, "SIGKILL");
    const doubled = "warn: server #1 was killed by SIGKILL; restarting in 2000 ms";
    await waitFor("the second crash to be seen", () => logs.includes(doubled));
  });

  it("does not restart a crashed server once the pool is stopped", async () => {
    const stopped = makePool(specFor());
    const control = makePool(specFor());
    await Promise.all([stopped.start(app.exe), control.start(app.exe)]);

    process.kill(stopped.status()[0]!.pid!, "SIGKILL");
    process.kill(control.status()[0]!.pid!, "SIGKILL");
    await waitFor("the crash to be seen", () => stopped.status()[0]!.state === "crashed");
    await stopped.stop();

    // The control pool shows when the stopped one would have restarted too.
    await waitFor("the control to restart", () => control.targets().length === 1);
    expect(stopped.status()[0]).toMatchObject({ state: "stopped", restarts: 0, pid: undefined });
  });

  it("takes a server the gate could not reach out of rotation until it answers again", async () => {
    let changes = 0;
    const pool = makePool(specFor({ instances: 2 }), { targetsChanged: () => changes++ });
    await pool.start(app.exe);
    const pid = pool.status()[0]!.pid;
    const changesBefore = changes;

    pool.reportFailure(0);

    expect(pool.targets().map((t) => t.instance)).toEqual([1]);
    expect(pool.status()[0]!.lastHealth).toMatchObject({ ok: false });
    await waitFor("#0 to be back", () => pool.targets().length === 2);
    expect(pool.status()[0]).toMatchObject({ state: "healthy", restarts: 0, pid });
    expect(changes).toBe(changesBefore + 2);
  });
});
