import { readFileSync } from "node:fs";

// Whether a process runs, zombies not counted: a service's parent (the manager's start)
// is gone, and whatever inherits it may be slow to reap it, or never do (a container's
// pid 1), while kill(pid, 0) goes on succeeding.
export function running(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return process.platform !== "linux";
  }
}
