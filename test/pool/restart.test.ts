import { describe, expect, it } from "vitest";
import { appPerTest, makePool, specFor, getJson } from "./fixtures.js";
import { waitFor } from "../helpers/wait-for.js";

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

    await waitFor(() => seen.some((t) => t.join() === "0"), "#1 to leave the targets");
    expect(logs).toContain("warn: server #1 was killed by SIGKILL; restarting in 1000 ms");
    await waitFor(() => pool.targets().length === 2, "#1 to be back");
    const after = pool.status()[1]!;
    expect(after).toMatchObject({ state: "healthy", restarts: 1, port: before.port });
    expect(after.pid).not.toBe(before.pid);
    expect(pool.targets()[1]!.origin).toBe(origin);
    expect((await getJson(origin)).pid).toBe(after.pid);
    expect(seen.at(-1)).toEqual([0, 1]);

    process.kill(after.pid!, "SIGKILL");
    const doubled = "warn: server #1 was killed by SIGKILL; restarting in 2000 ms";
    await waitFor(() => logs.includes(doubled), "the second crash to be seen");
  });

  it("does not restart a crashed server once the pool is stopped", async () => {
    const stopped = makePool(specFor());
    const control = makePool(specFor());
    await Promise.all([stopped.start(app.exe), control.start(app.exe)]);

    process.kill(stopped.status()[0]!.pid!, "SIGKILL");
    process.kill(control.status()[0]!.pid!, "SIGKILL");
    await waitFor(() => stopped.status()[0]!.state === "crashed", "the crash to be seen");
    await stopped.stop();

    // The control pool shows when the stopped one would have restarted too.
    await waitFor(() => control.targets().length === 1, "the control to restart");
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
    await waitFor(() => pool.targets().length === 2, "#0 to be back");
    expect(pool.status()[0]).toMatchObject({ state: "healthy", restarts: 0, pid });
    expect(changes).toBe(changesBefore + 2);
  });
});
