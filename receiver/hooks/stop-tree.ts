import { askToStop, forceStop } from "../pool/kill.js";

/** How long a hook cut at its timeout (or aborted) has to clean up before SIGKILL. */
export const STOP_GRACE_MS = 5000;

// A hook is a script, and scripts start children (`npm run`, `sleep`, a migration
// tool): cutting it must take all of them, or a "timed out" hook goes on changing the
// release behind the swap's back. A hook runs as the leader of its own process group
// on POSIX (run-command.ts), so the pool's kill helpers get the group (-pid); Windows
// has no groups, and taskkill /t takes the tree. Polite first, so a migration can roll
// back its transaction; SIGKILL after graceMs unless the hook exits first (its exit
// cancels the timer, so no SIGKILL can hit a recycled pid). Resolves once the hook
// itself has exited; run-command.ts then kills whatever it left in its group.
export async function stopTree(
  pid: number,
  exited: Promise<unknown>,
  graceMs = STOP_GRACE_MS,
): Promise<void> {
  const target = process.platform === "win32" ? pid : -pid;
  let done = false;
  const force = () => done || quietly(() => forceStop(target));
  const timer = setTimeout(force, graceMs);
  try {
    // A Windows console script cannot be asked (no window): forced at once then.
    quietly(() => askToStop(target, undefined, force));
    await exited;
  } finally {
    done = true;
    clearTimeout(timer);
  }
}

// A member of the group that changed its user (setuid) answers EPERM; the rest of the
// group has had the signal, and a timer must not throw into the event loop.
function quietly(stop: () => unknown): void {
  try {
    stop();
  } catch {
    // nothing more the receiver can do about that process
  }
}
