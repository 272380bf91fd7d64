import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach } from "vitest";
import { RECEIVER_CLI, startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { alive } from "../helpers/alive.mjs";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace, type WorkspaceOptions } from "../helpers/workspace.js";
import { finishLoad } from "../load/finish-load.js";
import { openLoad, type OpenLoad } from "../load/open-load.mjs";

// What the upgrade tests share: the pid in data/receiver.pid, and a receiver followed
// across upgrades (its log lines keep coming through the first one's pipes, which the
// new process inherits).

export function receiverPid(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(join(dataDir, "receiver.pid"), "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

export { alive };

const readyLines = (rx: ReceiverProcess) => rx.logs.filter((l) => / ready$/.test(l)).length;

/**
 * SIGUSR2 to the receiver named in receiver.pid; resolves once a new pid is in the file
 * and that receiver says "ready" (its servers up, the holds released), with the time
 * from the signal to then, and once the old process is gone.
 */
export async function upgrade(
  rx: ReceiverProcess,
  dataDir: string,
  { twice = false } = {},
): Promise<{ from: number; to: number; ms: number }> {
  const from = receiverPid(dataDir)!;
  const ready = readyLines(rx);
  const sentAt = performance.now();
  process.kill(from, "SIGUSR2");
  // A second signal while the first upgrade runs: logged and ignored.
  if (twice) {
    await waitFor(
      () => rx.logs.some((l) => l.includes("SIGUSR2: upgrading")),
      "the upgrade to start",
    );
    process.kill(from, "SIGUSR2");
  }
  const to = await waitFor(() => {
    const pid = receiverPid(dataDir);
    return pid !== undefined && pid !== from && readyLines(rx) > ready ? pid : undefined;
  }, `a new receiver in place of pid ${from}`);
  const ms = performance.now() - sentAt;
  await waitFor(() => !alive(from), `the old receiver (pid ${from}) to exit`);
  return { from, to, ms };
}

/** SIGTERM to whichever receiver serves now, and every pid given; waits until they are gone. */
export async function stopAll(dataDir: string, pids: number[] = []): Promise<void> {
  const all = new Set([...pids, receiverPid(dataDir)].filter((p): p is number => !!p));
  for (const pid of all) if (alive(pid)) process.kill(pid, "SIGTERM");
  await waitFor(() => [...all].every((pid) => !alive(pid)), "the receivers to exit", 30_000);
}

export interface LoadedReceiver {
  ws: Workspace;
  rx: ReceiverProcess;
  /** An open-model load through the gate, fresh and keep-alive connections, GET and POST. */
  load: OpenLoad;
}

/**
 * For the tests of a describe block: a receiver per test under an open-model load at
 * `rate` through its gate, followed across upgrades (`pids` takes every receiver a test
 * saw), and stopped after the test with every receiver it left. `finish` stops the
 * load and asserts that no request failed.
 */
export function receiverUnderLoad(rate: number) {
  let current: LoadedReceiver | undefined;
  const pids: number[] = [];
  afterEach(async () => {
    await current?.load.stop();
    if (current) await stopAll(current.ws.data, pids);
    await current?.rx.kill();
    current = undefined;
    pids.length = 0;
  });
  return {
    pids,
    async start(
      o: { workspace?: WorkspaceOptions; env?: Record<string, string>; cli?: string } = {},
    ): Promise<LoadedReceiver> {
      const ws = createWorkspace(o.workspace);
      const rx = await startReceiver(ws.configFile, o.env ?? {}, o.cli ? { cli: o.cli } : {});
      pids.push(rx.child.pid!);
      const load = openLoad({
        url: rx.gate(),
        rate,
        mix: { get: 3, post: 1 },
        keepAliveShare: 0.5,
      });
      current = { ws, rx, load };
      await waitFor(() => load.samples.some((s) => s.version === "v1"), "traffic through the gate");
      return current;
    },
    finish: (load: OpenLoad, what: string) => finishLoad(load, `${what} at ${rate} rps`),
  };
}

/**
 * A copy of the bundled receiver to run from, which a test can break (a build that
 * exits at once) and mend again: the upgrade starts the receiver file on disk.
 */
export function receiverFileCopy() {
  const cli = join(createWorkspace({ v1: null }).dir, "cli.mjs"); // only a folder for the copy
  copyFileSync(RECEIVER_CLI, cli);
  return {
    cli,
    breakIt: () =>
      writeFileSync(cli, 'console.error("broken build: exits at once"); process.exit(3);\n'),
    mend: () => copyFileSync(RECEIVER_CLI, cli),
  };
}
