import { readFileSync } from "node:fs";

/** Whether a process with this pid runs. A zombie (dead, not yet reaped: an orphan whose parent was SIGKILLed may linger as one) does not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== "linux") return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
