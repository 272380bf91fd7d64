import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HealthCheckError } from "../../receiver/pool/health-check-error.js";
import type { StreamEvent } from "../../receiver/protocol.js";
import { healthCheckFailed } from "../../receiver/swap/swap-parts.js";
import { appPerTest, getJson, makePool, specFor } from "./fixtures.js";

const app = appPerTest();

// The fixture binds its own port before its server listens, for its first
// TAKE_PORT_TIMES starts: a real EADDRINUSE from Node, as when another process took the
// port the receiver had just picked.
function racingSpec(times: number, instances = 1) {
  return specFor({
    instances,
    env: {
      INSTANCE: "{instance}",
      TAKE_PORT_FILE: join(app.dir, "starts-{instance}"),
      TAKE_PORT_TIMES: String(times),
    },
  });
}

const warnings = (events: StreamEvent[]) =>
  events.flatMap((e) => (e.type === "log" && e.level === "warn" ? [e.message] : []));

describe("a server whose port was taken as it started", () => {
  it("is started again on a fresh port, says so in the stream, and serves", async () => {
    const events: StreamEvent[] = [];
    const pool = makePool(racingSpec(2, 2));

    await pool.start(app.exe, (e) => events.push(e));

    const said = warnings(events);
    expect(said).toHaveLength(4); // two retries for each of the two servers
    for (const instance of [0, 1]) {
      const mine = said.filter((m) => m.startsWith(`server #${instance}: port `));
      expect(mine[0]).toMatch(
        /^server #\d: port (\d+) was taken by another process as the server started \(address already in use\); starting it again on port (\d+) \(retry 1 of 3\)$/,
      );
      expect(mine[1]).toMatch(/\(retry 2 of 3\)$/);
      expect(await readFile(join(app.dir, `starts-${instance}`), "utf8")).toBe("3");
      // The port it serves on is the last one named, not the first.
      const last = /on port (\d+)/.exec(mine[1]!)![1];
      const status = pool.status()[instance]!;
      expect(String(status.port)).toBe(last);
      expect(status.state).toBe("healthy");
      expect(status.restarts).toBe(0);
      const answer = await getJson(`http://127.0.0.1:${last}/`);
      expect(answer.port).toBe(Number(last));
    }
    expect(pool.targets().map((t) => t.origin)).toEqual(
      pool.status().map((s) => `http://127.0.0.1:${s.port}`),
    );
  });

  it("after 3 retries fails the start by the taken ports, not by the build", async () => {
    const events: StreamEvent[] = [];
    const pool = makePool(racingSpec(99));

    const error = await pool.start(app.exe, (e) => events.push(e)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HealthCheckError);
    const failure = error as HealthCheckError;
    expect(failure.portTaken).toBe(true);
    expect(failure.message).toMatch(
      /^server #0 could not listen: its port was already in use \(EADDRINUSE\) on 4 fresh ports in a row \(\d+, \d+, \d+, \d+\)\. .*Set HOTSWAP_SERVER_PORTS=LOW-HIGH/,
    );
    expect(warnings(events)).toHaveLength(3);
    expect(await readFile(join(app.dir, "starts-0"), "utf8")).toBe("4");
    expect(failure.output.some((line) => line.includes("EADDRINUSE"))).toBe(true);
    const said = healthCheckFailed(failure, pool).message;
    expect(said).toMatch(/^the new version's servers could not start: server #0 could not listen/);
    expect(said).not.toContain("failed its health check");
    expect(pool.targets()).toEqual([]);
    expect(pool.status().map((s) => s.state)).toEqual(["stopped"]);
  });

  it("is not retried when the server exits for any other reason: the deploy fails at once", async () => {
    const events: StreamEvent[] = [];
    const env = {
      INSTANCE: "{instance}",
      FAIL_INSTANCE: "0",
      EXIT_CODE: "4",
      PID_DIR: app.dir,
    };
    // A minute to become healthy: the failure must come from the exit, not the timeout.
    const pool = makePool(specFor({ env, health: { path: "/health", timeoutMs: 60_000 } }));

    const error = (await pool
      .start(app.exe, (e) => events.push(e))
      .catch((e: unknown) => e)) as HealthCheckError;

    expect(error.message).toBe("server #0 exited with code 4 before it was healthy");
    expect(error.portTaken).toBe(false);
    expect(warnings(events)).toEqual([]);
    expect(healthCheckFailed(error, pool).message).toMatch(
      /^the new version failed its health check: server #0 exited/,
    );
  }, 10_000);
});
