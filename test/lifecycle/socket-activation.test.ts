import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RECEIVER_CLI, watchReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, receiverEnv, type Workspace } from "../helpers/workspace.js";
import { formatReport, loadReport, openLoad } from "../load/open-load.mjs";
import { receiverPid, stopAll, upgrade } from "./upgrade-helpers.js";

// systemd socket activation (docs/design.md §7): the receiver serves on the sockets it
// is handed as fds 3.. instead of binding. The stand-in for systemd keeps its own copy
// of each socket open, so the ports in the config are taken: a receiver that tried to
// bind them would stop with EADDRINUSE.
const STAND_IN = resolve("test/lifecycle/fixtures/socket-activation.mjs");

describe("a systemd-style start with LISTEN_FDS", () => {
  let ws: Workspace | undefined;
  let rx: ReceiverProcess | undefined;
  const pids: number[] = [];
  afterEach(async () => {
    if (ws) await stopAll(ws.data, pids);
    await rx?.kill(); // the stand-in
    ws = rx = undefined;
  });

  it("serves the API and the gate on the sockets it is given, closes one the config does not name, and upgrades on them", async () => {
    const standIn = spawn(
      process.execPath,
      [STAND_IN, RECEIVER_CLI, "api", "gate.webdemo", "gate.gone"],
      {
        env: { ...process.env, ...receiverEnv },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const line = await new Promise<string>((resolve) =>
      standIn.stdout!.once("data", (d: Buffer) => resolve(d.toString())),
    );
    const ports = JSON.parse(/^ports (.+)$/m.exec(line)![1]!) as Record<string, number>;
    ws = createWorkspace({
      config: { listen: `127.0.0.1:${ports.api}` },
      app: { gate: `127.0.0.1:${ports["gate.webdemo"]}` },
    });
    standIn.stdin!.write(`go ${ws.configFile}\n`);
    rx = await watchReceiver(standIn);
    const pid = receiverPid(ws.data)!;
    pids.push(pid);
    const log = rx.logs.join("\n");
    expect(log).toContain(`API on http://127.0.0.1:${ports.api} `);
    expect(log).toContain("(listening sockets from systemd: api, gate.webdemo, gate.gone)");
    expect(log).toContain(`gate listening on 127.0.0.1:${ports["gate.webdemo"]}`);
    expect(log).toMatch(
      /listening socket "gate.gone" \(fd 5, from systemd\) is not a listener of the config: closed/,
    );
    // The ports are taken (by the stand-in's copies): binding them fails.
    const bind = await new Promise<string>((resolve) => {
      const probe = createServer().once("error", (e: NodeJS.ErrnoException) => resolve(e.code!));
      probe.listen({ host: "127.0.0.1", port: ports.api }, () =>
        probe.close(() => resolve("bound")),
      );
    });
    expect(bind).toBe("EADDRINUSE");
    // The app's servers inherit neither the sockets nor the variables.
    if (process.platform === "linux") {
      const sockets = (p: number) =>
        readdirSync(`/proc/${p}/fd`)
          .map((fd) => readlinkSafe(`/proc/${p}/fd/${fd}`))
          .filter((l) => l.startsWith("socket:"));
      const passed = [3, 4].map((fd) => readlinkSafe(`/proc/${pid}/fd/${fd}`));
      expect(passed.every((l) => l.startsWith("socket:"))).toBe(true);
      const servers = JSON.parse(
        readFileSync(join(ws.data, "apps/webdemo/servers.json"), "utf8"),
      ) as { pid: number }[];
      expect(servers).toHaveLength(2);
      for (const { pid: server } of servers) {
        expect(sockets(server).filter((l) => passed.includes(l))).toEqual([]);
        expect(readFileSync(`/proc/${server}/environ`, "utf8")).not.toMatch(
          /LISTEN_|HOTSWAP_UPGRADE_FROM/,
        );
      }
    }

    const load = openLoad({
      url: rx.gate(),
      rate: 200,
      mix: { get: 3, post: 1 },
      keepAliveShare: 0.5,
    });
    try {
      await waitFor(
        () => load.samples.filter((s) => s.version === "v1").length > 100,
        "answers through the gate",
      );
      // The sockets systemd passed are handed on by an upgrade too.
      const up = await upgrade(rx, ws.data);
      pids.push(up.to);
      expect(up.from).toBe(pid);
      const seen = load.samples.length;
      await waitFor(() => load.samples.length > seen + 100, "answers from the new receiver");
    } finally {
      await load.stop();
    }
    const report = loadReport(load.samples);
    console.log(`socket activation, then SIGUSR2, at 200 rps:\n${formatReport(report)}`);
    expect(report.failures, formatReport(report)).toEqual({});
  });
});

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}
