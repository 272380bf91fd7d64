import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reapStale } from "../../receiver/pool/reap.js";
import type { AppStatus, StepName } from "../../receiver/protocol.js";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { alive } from "../helpers/alive.mjs";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace } from "../helpers/workspace.js";

const serverPids = (data: string): number[] => {
  const record = JSON.parse(
    readFileSync(join(data, "apps", "webdemo", "servers.json"), "utf8"),
  ) as unknown;
  const list = Array.isArray(record)
    ? record
    : ((record as { children?: unknown[] }).children ?? []);
  return (list as { pid: number }[]).map((c) => c.pid);
};

describe("a receiver killed (SIGKILL) in the middle of a swap", () => {
  let rx: ReceiverProcess | undefined;
  let data: string | undefined;
  afterEach(async () => {
    await rx?.stop();
    // A test that fails between the kill and the restart must not leave the
    // killed receiver's servers running.
    if (data) await reapStale(join(data, "apps", "webdemo", "servers.json"));
  });

  it.each<[StepName, "start" | "done"]>([
    ["hold", "done"],
    ["unload", "done"],
    ["swap", "start"],
    ["reload", "start"],
    ["reload", "done"],
  ])(
    "at %s %s comes back whole: exeFile old or new, servers up, journal tells",
    async (step, state) => {
      const ws = createWorkspace();
      rx = await startReceiver(ws.configFile);
      const v1 = readFileSync(ws.exeFile);
      const v2 = readFileSync(ws.version("v2", { startDelayMs: 300 }));
      const pidsBefore = serverPids(ws.data);
      const first = rx;
      let killed: Promise<void> | undefined;
      let fired = false;
      await call(rx.api, "/v1/apps/webdemo/deploy", {
        token: await mint({ op: "deploy", sha256: sha256(v2) }),
        body: v2,
        onEvent: (e) => {
          if (!fired && e.type === "step" && e.step === step && e.state === state) {
            fired = true;
            killed = first.kill();
          }
        },
      }).catch(() => undefined);
      await waitFor(() => fired, `the kill at ${step} ${state}`);
      await killed;
      const pidsAtKill = serverPids(ws.data);

      const exe = readFileSync(ws.exeFile);
      expect(exe.equals(v1) || exe.equals(v2)).toBe(true);

      rx = await startReceiver(ws.configFile);
      const answer = await (await fetch(`${rx.gate()}/`)).text();
      expect(["v1\n", "v2\n"]).toContain(answer);
      expect(readFileSync(ws.exeFile).equals(answer === "v1\n" ? v1 : v2)).toBe(true);
      // Servers the killed receiver left behind are gone.
      for (const pid of [...pidsBefore, ...pidsAtKill])
        await waitFor(() => !alive(pid), `orphan ${pid} to be stopped`);
      const status = (
        await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) })
      ).json as AppStatus;
      expect(status.instances.filter((s) => s.state === "healthy")).toHaveLength(2);
      expect(status.recent[0]).toMatchObject({
        op: "recover",
        outcome: "interrupted",
        message: expect.stringContaining(`during "`),
      });
    },
  );
});
