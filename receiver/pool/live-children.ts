import type { ChildProcess } from "node:child_process";
import { forceStop } from "./kill.js";
import { writePidFile, type PidRecord } from "./pid-file.js";

interface Entry {
  record: PidRecord;
  pidFile?: string;
  warn(message: string): void;
}

const live = new Map<ChildProcess, Entry>();
let exitHookInstalled = false;

// Servers must die with the receiver, however many pools it runs: one registry and
// one exit handler for all of them (an exit handler per child would pile up
// listeners). Returns the function that forgets the child once it has exited.
export function trackChild(child: ChildProcess, entry: Entry): () => void {
  if (!exitHookInstalled) {
    process.on("exit", killAllChildren);
    exitHookInstalled = true;
  }
  live.set(child, entry);
  rewritePidFile(entry);
  return () => {
    if (live.delete(child)) rewritePidFile(entry);
  };
}

// The receiver is exiting: only synchronous work runs now, and a signal is synchronous.
function killAllChildren(): void {
  for (const [child, entry] of live) {
    try {
      if (child.pid !== undefined) forceStop(child.pid);
    } catch {
      // Not ours to kill any more (EPERM); nothing else can be done while exiting.
    }
    live.delete(child);
    rewritePidFile(entry);
  }
}

// The file lists every live child that shares it, so it is rewritten whole each time.
function rewritePidFile({ pidFile, warn }: Entry): void {
  if (pidFile === undefined) return;
  const records = [...live.values()].filter((e) => e.pidFile === pidFile).map((e) => e.record);
  try {
    writePidFile(pidFile, records);
  } catch (error) {
    warn(`could not write pid file ${pidFile}: ${(error as Error).message}`);
  }
}
