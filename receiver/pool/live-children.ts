import type { ChildProcess } from "node:child_process";
import { forceStop } from "./kill.js";
import {
  pidFilesBeingWritten,
  writePidFile,
  writePidFileSync,
  type PidRecord,
} from "./pid-file.js";

interface Entry {
  record: PidRecord;
  pidFile?: string;
  warn(message: string): void;
  /** It leads its own process group (a hook): the whole group goes with it (POSIX). */
  group?: boolean;
}

const live = new Map<ChildProcess, Entry>();
let exitHookInstalled = false;

// Servers must die with the receiver, however many pools it runs: one registry and
// one exit handler for all of them (an exit handler per child would pile up
// listeners). Returns the function that forgets the child once it has exited; it
// resolves when the pid file no longer lists the child (it never rejects).
export function trackChild(child: ChildProcess, entry: Entry): () => Promise<void> {
  if (!exitHookInstalled) {
    process.on("exit", killAllChildren);
    exitHookInstalled = true;
  }
  live.set(child, entry);
  void rewritePidFile(entry);
  return async () => {
    if (live.delete(child)) await rewritePidFile(entry);
  };
}

// The receiver is exiting: only synchronous work runs now, and a signal is
// synchronous. Each pid file is written once more, synchronously, with what is
// left (nothing): a write the async writer had not finished would be lost.
function killAllChildren(): void {
  const files = new Map<string, Entry["warn"]>();
  for (const file of pidFilesBeingWritten()) files.set(file, () => {});
  for (const [child, entry] of live) {
    try {
      if (child.pid !== undefined) {
        const groupToo = entry.group && process.platform !== "win32";
        forceStop(groupToo ? -child.pid : child.pid);
      }
    } catch {
      // Not ours to kill any more (EPERM); nothing else can be done while exiting.
    }
    live.delete(child);
    if (entry.pidFile !== undefined) files.set(entry.pidFile, entry.warn);
  }
  for (const [file, warn] of files) {
    try {
      writePidFileSync(file, recordsOf(file));
    } catch (error) {
      warn(`could not write pid file ${file}: ${(error as Error).message}`);
    }
  }
}

// The file lists every live child that shares it, so it is rewritten whole each time.
async function rewritePidFile({ pidFile, warn }: Entry): Promise<void> {
  if (pidFile === undefined) return;
  try {
    await writePidFile(pidFile, recordsOf(pidFile));
  } catch (error) {
    warn(`could not write pid file ${pidFile}: ${(error as Error).message}`);
  }
}

const recordsOf = (pidFile: string) =>
  [...live.values()].filter((e) => e.pidFile === pidFile).map((e) => e.record);
