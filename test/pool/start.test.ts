import { readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HealthCheckError } from "../../receiver/pool/health-check-error.js";
import { appPerTest, makePool, specFor, getJson } from "./fixtures.js";
import { alive } from "../helpers/alive.mjs";

const app = appPerTest();

describe("Pool.start", () => {
  it("starts every instance on its own port, and each answers through its origin", async () => {
    const changes: number[] = [];
    const pool = makePool(specFor({ instances: 2 }), {
      targetsChanged: () => changes.push(pool.targets().length),
    });
    await pool.start(app.exe);

    const targets = pool.targets();
    expect(targets.map((t) => t.instance)).toEqual([0, 1]);
    expect(new Set(targets.map((t) => t.origin)).size).toBe(2);
    const answers = await Promise.all(targets.map((t) => getJson(t.origin)));
    expect(answers.map((a) => a.env)).toEqual([{ INSTANCE: "0" }, { INSTANCE: "1" }]);
    expect(pool.exe).toBe(app.exe);
    expect(pool.status().map((s) => s.state)).toEqual(["healthy", "healthy"]);
    expect(pool.status().every((s) => s.lastHealth?.ok && typeof s.pid === "number")).toBe(true);
    expect(changes.at(-1)).toBe(2);
    expect(pool.output()).toContain(`[#0] starting on port ${new URL(targets[0]!.origin).port}`);
  });

  it("fills {port} {instance} {exe} in args and env, and runs in the exe's folder", async () => {
    const pool = makePool(
      specFor({
        instances: 2,
        args: ["--port", "{port}", "--name=app-{instance}", "{exe}", "{other}"],
        env: { PORT: "{port}", INSTANCE: "{instance}", EXE: "exe is {exe}" },
      }),
    );
    await pool.start(app.exe);

    const target = pool.targets()[1]!;
    const port = new URL(target.origin).port;
    const answer = await getJson(target.origin);
    expect(answer.argv).toEqual(["--port", port, "--name=app-1", app.exe, "{other}"]);
    expect(answer.env).toEqual({ PORT: port, INSTANCE: "1", EXE: `exe is ${app.exe}` });
    expect(answer.cwd).toBe(await realpath(app.dir));
  });

  it("rejects with the failing server's reason and output, and leaves nothing running", async () => {
    const pidFile = join(app.dir, "pids.json");
    const env = {
      INSTANCE: "{instance}",
      PID_DIR: app.dir,
      FAIL_INSTANCE: "1",
      EXIT_CODE: "3",
      // Fail only once #0 runs, so there is something for the pool to clean up.
      FAIL_AFTER_FILE: join(app.dir, "pid-0"),
    };
    const pool = makePool(specFor({ instances: 2, env, pidFile }));

    const error = await pool.start(app.exe).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HealthCheckError);
    const failure = error as HealthCheckError;
    expect(failure.code).toBe("health_check_failed");
    expect(failure.message).toBe("server #1 exited with code 3 before it was healthy");
    expect(failure.output).toContain("[#1] fatal: cannot open database");
    const healthyPid = Number(await readFile(join(app.dir, "pid-0"), "utf8"));
    expect(alive(healthyPid)).toBe(false);
    expect(pool.targets()).toEqual([]);
    expect(pool.status().map((s) => s.state)).toEqual(["stopped", "stopped"]);
    expect(pool.exe).toBeUndefined();
    expect(JSON.parse(await readFile(pidFile, "utf8"))).toEqual([]);
  });

  it("rejects when a server never becomes healthy, naming the last health answer", async () => {
    const env = { INSTANCE: "{instance}", HEALTH_STATUS: "500" };
    const pool = makePool(specFor({ env, health: { path: "/health", timeoutMs: 700 } }));

    const error = await pool.start(app.exe).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HealthCheckError);
    expect((error as Error).message).toBe(
      "server #0 not healthy after 700 ms: GET /health answered 500",
    );
    expect(pool.status()[0]).toMatchObject({ state: "stopped", pid: undefined });
    expect(pool.status()[0]!.lastHealth).toMatchObject({ ok: false });
  });

  // A definite answer (the path is wrong, missing or behind a login) does not change by
  // waiting: the third in a row fails the server, whatever health.timeout allows.
  it.each([
    [404, "the path is wrong or the build lacks it; set health.path"],
    [401, "the path asks for credentials; set health.path"],
  ])("rejects after 3 probes that answer %i, long before the timeout", async (status, why) => {
    const env = { INSTANCE: "{instance}", HEALTH_STATUS: String(status), LOG_PROBES: "1" };
    const pool = makePool(specFor({ env, health: { path: "/health", timeoutMs: 600_000 } }));

    const error = await pool.start(app.exe).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HealthCheckError);
    expect((error as Error).message).toContain(
      `server #0 failed its health check: GET /health answered ${status} 3 times in a row`,
    );
    expect((error as Error).message).toContain(why);
    const probes = (error as HealthCheckError).output.filter((l) => l.includes("health probe"));
    expect(probes).toEqual([1, 2, 3].map((n) => `[#0] health probe ${n}: ${status}`));
  });

  it.each([
    ["503 until ready", "503,503,503,503,503,200"],
    ["a 404 twice, then ready", "404,404,200"],
    ["a 404 streak broken by a 503", "404,404,503,404,404,200"],
  ])("accepts a server that answers %s", async (_, sequence) => {
    const env = { INSTANCE: "{instance}", HEALTH_SEQUENCE: sequence, LOG_PROBES: "1" };
    const pool = makePool(specFor({ env, health: { path: "/health", timeoutMs: 600_000 } }));

    await pool.start(app.exe);

    expect(pool.targets()).toHaveLength(1);
    const count = sequence.split(",").length;
    expect(pool.output()).toContain(`[#0] health probe ${count}: 200`);
  });

  it("rejects at once when the exe cannot be started", async () => {
    const pool = makePool(specFor());
    const error = await pool.start(join(app.dir, "missing")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HealthCheckError);
    expect((error as Error).message).toMatch(/^server #0 could not be started: .*ENOENT/);
  });

  it("without a health path, a TCP connect is enough", async () => {
    const env = { INSTANCE: "{instance}", MODE: "tcp" };
    const pool = makePool(specFor({ env, health: { timeoutMs: 10_000 } }));
    await pool.start(app.exe);

    expect(pool.targets()).toHaveLength(1);
    expect(pool.status()[0]!.lastHealth?.message).toMatch(/^TCP connect to port \d+ succeeded$/);
  });

  it("refuses a second start while servers run", async () => {
    const pool = makePool(specFor());
    await pool.start(app.exe);
    await expect(pool.start(app.exe)).rejects.toThrow("already running");
    expect(pool.targets()).toHaveLength(1);
  });
});
