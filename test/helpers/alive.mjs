import { readFileSync } from "node:fs";

// Plain JavaScript, so that the scripts the tests run with node (test/managed's stand-in
// service manager) share it with the tests.

/** Whether a process with this pid runs. A zombie (dead, not yet reaped: an orphan whose parent was SIGKILLed may linger as one, and init in a container may never reap it) does not. */
export function alive(pid) {
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
