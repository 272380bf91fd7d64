import { readFile } from "node:fs/promises";
import { uptime } from "node:os";
import { forceStop } from "./kill.js";
import { writePidFile, type PidRecord } from "./pid-file.js";

// A receiver killed with SIGKILL leaves its servers running, holding ports and
// serving an exe that may be about to change. The next receiver calls this before it
// starts any: it kills what the pid file lists, but only processes that are still
// the recorded program, never an unrelated process that got the same pid.
export async function reapStale(pidFile: string): Promise<number> {
  let records: PidRecord[];
  try {
    records = parse(await readFile(pidFile, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  let killed = 0;
  for (const record of records) {
    if ((await isStillRunning(record)) && forceStop(record.pid)) killed++;
  }
  await writePidFile(pidFile, []);
  return killed;
}

// A half-written or hand-edited file must not stop the receiver from starting.
function parse(text: string): PidRecord[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter(isRecord) : [];
  } catch {
    return [];
  }
}

function isRecord(value: unknown): value is PidRecord {
  const r = value as Partial<PidRecord> | null;
  return typeof r?.pid === "number" && r.pid > 0 && typeof r.exe === "string";
}

// Linux shows a process's command line, so the check is exact: the exe (or, for a
// script, the file its interpreter runs) is one of its arguments. Elsewhere, a pid
// recorded before the last boot is certainly someone else's; otherwise trust it.
async function isStillRunning({ pid, exe, startedAt }: PidRecord): Promise<boolean> {
  if (pid === process.pid) return false;
  if (Date.parse(startedAt) < Date.now() - uptime() * 1000) return false;
  if (process.platform === "linux") {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    return cmdline.split("\0").includes(exe);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
