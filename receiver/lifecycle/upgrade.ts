import { spawn, type ChildProcess } from "node:child_process";
import type { Server } from "node:http";
import { Server as NetServer } from "node:net";
import type { Log } from "../log.js";
import { pidFilesBeingWritten } from "../pool/pid-file.js";
import type { Receiver } from "../receiver.js";
import type { AppRuntime } from "../runtime/app-runtime.js";
import {
  gateFdName,
  keepAccepted,
  listeningFd,
  type HandedSocket,
  type ListenFds,
} from "./listen-fds.js";

// SIGUSR2: the receiver file on disk replaces this process, and the public ports never
// close (docs/design.md §7, guarantee 10). The old receiver (O) spawns the new one (N)
// with its listening sockets; the kernel keeps each socket open while either process
// holds it, so connections that arrive during the hand-over wait in the accept queue or
// in N's held gates, never on a closed port.
//
//  O: SIGUSR2 → running swaps end (app locks: deploys get 409 meanwhile, which the
//     action retries) → spawn N with the sockets as fds 3.. and an IPC channel
//  N: loads and checks the config, listens on the inherited gates held (they accept and
//     queue) → "ready"                     (N fails or exits: O keeps serving, logs why)
//  O: stops accepting, answers what its connections still send with `Connection: close`,
//     drains, stops its servers, closes its journal and token store → "yours"
//  N: takes the data folder (receiver.pid names N now), listens on the API → "owner"
//  O: exits 0.  N: recovery, starts the servers, releases the holds.
//
// N replaces O's servers under its hold rather than adopting them: their stdout and
// stderr are pipes O owns (a server writing to them after O exits gets EPIPE or
// SIGPIPE), and passing pipes on is not portable. N reaps nothing O still runs: O has
// stopped its servers, and written their pid files empty, before it says "yours".
//
// The window to know: after O stopped accepting and before N says "owner", only N holds
// the sockets. If N dies there, the ports close; O says so and exits 1, so a supervisor
// (systemd Restart=) starts a receiver again. N has then passed its config check and
// opened every listener, so what is left to fail is small.

/** How long N may take to load its config and open its listeners. */
const READY_TIMEOUT_MS = 30_000;
/** How long N may take to take the data folder once O let go of it. */
const OWNER_TIMEOUT_MS = 10_000;
/**
 * How long O goes on passing on what its clients send on their keep-alive connections
 * (each answer then says `Connection: close`) before it closes the ones still idle.
 * Under load each is used again within milliseconds; one idle this long is rarely
 * picked again, so closing it then risks little.
 */
const LINGER_MS = 5_000;

export type UpgradeMessage =
  | { type: "ready" }
  | { type: "yours" }
  | { type: "owner" }
  /** Without descriptors (Windows): N asks for the sockets, O sends each with its name. */
  | { type: "sockets?" }
  | { type: "socket"; name: string };

/**
 * Whether an upgrade hands the listening sockets over the IPC channel rather than as
 * descriptors: on Windows, where a server's handle has no descriptor to pass; elsewhere
 * when HOTSWAP_UPGRADE_SOCKETS=channel asks for it (how the tests run this path on Linux).
 */
const SOCKETS_OVER_CHANNEL =
  process.platform === "win32" || process.env.HOTSWAP_UPGRADE_SOCKETS === "channel";

/** How an upgrade that was asked for went, as far as the old receiver can tell. */
export type UpgradeOutcome =
  /** The new receiver (newPid) is ready; this one (pid) hands over to it and exits. */
  | { ok: true; pid: number; newPid: number }
  /** starting: this receiver does not serve yet; running: another upgrade runs; failed: the new one did not start. */
  | { ok: false; kind: "starting" | "running" | "failed"; reason: string };

interface Serving {
  receiver: Receiver;
  /** The API's listener now (a reload may have moved it). */
  api: () => Server;
  /** Before anything changes: a running config reload ends, no other starts (§7). */
  quiesce: () => Promise<void>;
  /** The upgrade failed and this receiver serves on: reloads again. */
  resume: () => void;
  /** Stops taking signals (SIGTERM): this process is handing over. */
  handingOver: () => void;
}

// One upgrade at a time: a second SIGUSR2 while one runs is logged and ignored, as is
// one that comes before this receiver serves.
export class Upgrader {
  #serving: Serving | undefined;
  #running = false;
  /** The new receiver while it is not ready yet: a stop (SIGTERM) ends it first. */
  #starting: ChildProcess | undefined;

  constructor(private readonly log: Log) {}

  serving(serving: Serving): void {
    this.#serving = serving;
  }

  signal(): void {
    void this.request("SIGUSR2");
  }

  /**
   * Upgrade, asked for by `by` (SIGUSR2, the API, the admin page: Windows has no
   * signals). Settles once the new receiver is ready and the hand-over begins, or once
   * the upgrade was refused or failed (this receiver then serves on). It does not wait
   * for the hand-over's end: this process is gone by then.
   */
  request(by: string): Promise<UpgradeOutcome> {
    const refuse = (outcome: UpgradeOutcome & { ok: false }) => {
      this.log("warn", `${by}: ${outcome.reason}; ignored`);
      return Promise.resolve(outcome);
    };
    if (!this.#serving) return refuse({ ok: false, kind: "starting", reason: "not serving yet" });
    if (this.#running)
      return refuse({ ok: false, kind: "running", reason: "an upgrade is already running" });
    this.#running = true;
    const serving = this.#serving;
    return new Promise((answer) => {
      void this.#upgrade(serving, by, answer).finally(() => (this.#running = false));
    });
  }

  /** SIGTERM during an upgrade that has not handed over yet: the new receiver goes, this one stops. */
  cancel(): void {
    this.#starting?.kill("SIGKILL");
  }

  async #upgrade(
    { receiver, api, quiesce, resume, handingOver }: Serving,
    by: string,
    answer: (outcome: UpgradeOutcome) => void,
  ): Promise<void> {
    const { log } = this;
    await quiesce(); // the apps and listeners a reload would change are the ones handed on
    const apps = [...receiver.apps.values()];
    const locked: AppRuntime[] = [];
    const command = [...process.execArgv, ...process.argv.slice(1)];
    log("info", `${by}: upgrading to a new receiver: ${process.execPath} ${command.join(" ")}`);
    let child: ChildProcess | undefined;
    try {
      for (const rt of apps) {
        const longest = rt.longestSwapMs();
        if (!(await rt.lock.acquire("upgrade", longest)))
          throw new Error(`${rt.config.name}: ${rt.lock.busy} did not end in ${longest} ms`);
        locked.push(rt);
      }
      // A socket-mode gate hands on its socket's descriptor itself (it never listens here).
      const sockets: [string, Server | number][] = [
        ["api", api()],
        ...apps.map((rt): [string, Server | number] => [
          gateFdName(rt.config.name),
          rt.gate.handedOn(),
        ]),
      ];
      const env = { ...process.env, HOTSWAP_UPGRADE_FROM: String(process.pid) };
      const names = sockets.map(([name]) => name).join(":");
      if (SOCKETS_OVER_CHANNEL) {
        // No descriptors to pass (Windows): each server goes over the IPC channel once
        // the new receiver asks for them (a message it has no listener for yet is lost).
        child = this.#starting = spawn(process.execPath, command, {
          stdio: ["inherit", "inherit", "inherit", "ipc"],
          env: { ...env, HOTSWAP_UPGRADE_SOCKET_NAMES: names },
        });
        await expectMessage(child, "sockets?", READY_TIMEOUT_MS);
        for (const [name, server] of sockets) {
          if (typeof server === "number")
            throw new Error(
              `${name} is in socket mode, whose socket goes over as a descriptor only`,
            );
          await sendSocket(child, name, server);
        }
      } else {
        // fds in the child are numbered by stdio position: the sockets at 3..3+N-1, as
        // systemd passes them, and the IPC channel after them (Node finds it by
        // NODE_CHANNEL_FD, which it sets itself).
        const fds = sockets.map(([name, server]) =>
          typeof server === "number" ? server : listeningFd(server, `the listener ${name}`),
        );
        child = this.#starting = spawn(process.execPath, command, {
          stdio: ["inherit", "inherit", "inherit", ...fds, "ipc"],
          env: { ...env, LISTEN_FDS: String(fds.length), LISTEN_FDNAMES: names },
        });
      }
      await expectMessage(child, "ready", READY_TIMEOUT_MS);
    } catch (error) {
      this.#starting = undefined;
      child?.kill("SIGKILL");
      for (const rt of locked) rt.lock.release("upgrade");
      resume();
      const reason = `upgrade failed: ${(error as Error).message}; this receiver (pid ${process.pid}) keeps serving`;
      log("error", reason);
      answer({ ok: false, kind: "failed", reason });
      return;
    }
    this.#starting = undefined;
    const next = child;
    answer({ ok: true, pid: process.pid, newPid: next.pid! });
    handingOver();
    log("info", `upgrade: the new receiver (pid ${next.pid}) is ready; handing over to it`);
    // From here the sockets stay open in N alone; an exit of N is fatal (see the top).
    const lost = new Promise<never>((_, reject) =>
      next.once("exit", (code, signal) =>
        reject(new Error(`the new receiver exited with ${signal ?? `code ${code}`}`)),
      ),
    );
    lost.catch(() => {});
    try {
      await Promise.race([lost, this.#handOver(receiver, api(), apps)]);
      next.send({ type: "yours" } satisfies UpgradeMessage);
      await Promise.race([lost, expectMessage(next, "owner", OWNER_TIMEOUT_MS)]);
    } catch (error) {
      log(
        "error",
        `upgrade failed during the hand-over: ${(error as Error).message}; this receiver (pid ${process.pid}) no longer listens and exits`,
      );
      next.kill("SIGKILL");
      process.exit(1);
    }
    log(
      "info",
      `upgrade: the new receiver (pid ${next.pid}) serves; this one (pid ${process.pid}) exits once its clients have closed their connections (at most ${LINGER_MS} ms)`,
    );
    next.disconnect();
    await Promise.all([...receiver.apps.values()].map((rt) => rt.gate.closeHandedOver(LINGER_MS)));
    process.exit(0);
  }

  // O lets go of everything N takes: the API, each gate (what its connections still
  // send goes on to N), the servers once the requests sent to them are answered, the
  // journal and the token store, and the pid files, written once more with no server.
  async #handOver(receiver: Receiver, api: Server, apps: AppRuntime[]): Promise<void> {
    const apiDone = lastCall(api);
    await Promise.all(
      apps.map(async (rt) => {
        const own = rt.pool.targets().map((t) => t.origin);
        rt.gate.handOver(rt.gate.origin());
        if (!(await rt.gate.drainOrigins(own, rt.config.drainTimeoutMs))) {
          rt.log("warn", `${rt.gate.cut(own)} request(s) still running at drainTimeout: cut`);
        }
        await rt.pool.release();
      }),
    );
    await apiDone;
    await Promise.all([receiver.replay.close(), receiver.journal.close()]);
    while (pidFilesBeingWritten().length > 0) await sleep(10);
  }
}

// The API stops accepting (N accepts its connections once it owns the data folder) and
// answers what its connections still send with `Connection: close`; a running
// deploy's stream has ended by now (the app locks). Idle connections close after
// API_LINGER_MS (few clients, and the action retries), the rest at most 10 s later.
const API_LINGER_MS = 500;

async function lastCall(api: Server): Promise<void> {
  api.prependListener("request", (_req, res) => (res.shouldKeepAlive = false));
  const ended = new Promise<void>((resolve) =>
    NetServer.prototype.close.call(api, () => resolve()),
  );
  await Promise.race([ended, sleep(API_LINGER_MS)]);
  api.closeIdleConnections();
  await Promise.race([ended, sleep(10_000)]);
  api.closeAllConnections();
}

// N's side, once its listeners are open: tell O, and wait for the data folder. O going
// away before it hands over means it gave up (or died): N exits, O serves on or is gone.
export async function awaitHandOver(): Promise<void> {
  const send = (message: UpgradeMessage) => process.send!(message);
  const yours = new Promise<void>((resolve, reject) => {
    process.on("message", (message: UpgradeMessage) => {
      if (message?.type === "yours") resolve();
    });
    process.once("disconnect", () =>
      reject(new Error("the old receiver went away before it handed over")),
    );
  });
  send({ type: "ready" });
  await yours;
}

// N's side of the hand-over over the IPC channel: asks for the sockets that
// HOTSWAP_UPGRADE_SOCKET_NAMES names and waits until each has come. Undefined when this
// is not such an upgrade.
export async function receiveSockets(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ListenFds | undefined> {
  const names = env.HOTSWAP_UPGRADE_SOCKET_NAMES;
  delete env.HOTSWAP_UPGRADE_SOCKET_NAMES;
  if (!names || env.HOTSWAP_UPGRADE_FROM === undefined || !process.send) return undefined;
  const wanted = new Set(names.split(":"));
  const byName = new Map<string, HandedSocket>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `the old receiver did not send the listening sockets: ${[...wanted].join(", ")}`,
          ),
        ),
      READY_TIMEOUT_MS,
    );
    const onMessage = (message: UpgradeMessage, handle: unknown) => {
      if (message?.type !== "socket" || !(handle instanceof NetServer)) return;
      keepAccepted(handle);
      byName.set(message.name, handle);
      wanted.delete(message.name);
      if (wanted.size > 0) return;
      clearTimeout(timer);
      process.off("message", onMessage);
      resolve();
    };
    process.on("message", onMessage);
    process.send!({ type: "sockets?" } satisfies UpgradeMessage);
  });
  return { byName, from: "upgrade" };
}

export function confirmOwner(): void {
  process.send!({ type: "owner" } satisfies UpgradeMessage);
  // The channel must not keep this process alive, nor its end kill it.
  process.channel?.unref();
}

/** What the new receiver is, once it sends each message O waits for. */
const STAGE = {
  "sockets?": "ready (for its sockets)",
  ready: "ready",
  owner: "the owner of the data folder",
} as const;

function expectMessage(
  child: ChildProcess,
  type: keyof typeof STAGE,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve();
    };
    const onMessage = (message: UpgradeMessage) => {
      if (message?.type === type) done();
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(
        new Error(
          `the new receiver (pid ${child.pid}) exited with ${signal ?? `code ${code}`} before it was ${STAGE[type]} (its log above says why)`,
        ),
      );
    const timer = setTimeout(
      () =>
        done(
          new Error(
            `the new receiver (pid ${child.pid}) was not ${STAGE[type]} in ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.once("error", (error) => done(error));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

// One listening server over the IPC channel to the new receiver; this one keeps its own
// (Node duplicates the socket for the other process).
function sendSocket(child: ChildProcess, name: string, server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    child.send({ type: "socket", name } satisfies UpgradeMessage, server, (error) =>
      error ? reject(new Error(`cannot send the listener ${name}: ${error.message}`)) : resolve(),
    );
  });
}
