import { readFile } from "node:fs/promises";
import { uptime } from "node:os";
import { createLog, type Log } from "../log.js";
import * as z from "../zod.js";
import { forceStop } from "./kill.js";
import { writePidFile, type PidRecord } from "./pid-file.js";

const pidRecordSchema = z.object({
  pid: z.number().check(z.int(), z.positive()),
  exe: z.string().check(z.minLength(1)),
  startedAt: z.string(),
  instance: z.number().check(z.int(), z.nonnegative()),
  port: z.number().check(z.int(), z.nonnegative()),
  group: z.optional(z.boolean()),
}) satisfies z.ZodMiniType<PidRecord>;

// A receiver killed with SIGKILL leaves its servers running, holding ports and
// serving an exe that may be about to change. The next receiver calls this before it
// starts any: it kills what the pid file lists, but only processes that are still
// the recorded program, never an unrelated process that got the same pid.
export async function reapStale(pidFile: string, log: Log = createLog("pool")): Promise<number> {
  let records: PidRecord[];
  try {
    records = parse(pidFile, await readFile(pidFile, "utf8"), log);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  let killed = 0;
  for (const record of records) {
    const target = record.group && process.platform !== "win32" ? -record.pid : record.pid;
    if ((await isStillRunning(record)) && forceStop(target)) killed++;
  }
  await writePidFile(pidFile, []);
  return killed;
}

// A half-written or hand-edited file must not stop the receiver from starting,
// but it is said out loud: servers it listed may still run and hold their ports.
// Each record that is whole is still reaped; the rest are named and skipped.
function parse(pidFile: string, text: string, log: Log): PidRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    log("warn", `${pidFile} is damaged (${(error as Error).message}): no servers to stop from it`);
    return [];
  }
  if (!Array.isArray(value)) {
    log("warn", `${pidFile} is damaged (not a list): no servers to stop from it`);
    return [];
  }
  const records: PidRecord[] = [];
  value.forEach((item, i) => {
    const parsed = pidRecordSchema.safeParse(item);
    if (parsed.success) records.push(parsed.data);
    else
      log(
        "warn",
        `${pidFile}: record ${i} is damaged (${z.prettifyError(parsed.error).replace(/\n\s*/g, "; ")}): skipped ${JSON.stringify(item)?.slice(0, 200)}`,
      );
  });
  return records;
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
