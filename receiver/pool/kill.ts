// The only place that sends signals. Windows has no POSIX signals (Node maps every
// signal to TerminateProcess there), so a polite stop for Windows goes here later,
// e.g. `taskkill /pid N /t` for askToStop and `taskkill /f` for forceStop.

// A server deserves the chance to finish its requests and clean up before it goes.
export function askToStop(pid: number): boolean {
  return signal(pid, "SIGTERM");
}

// A server that ignores the polite request, or a receiver that is exiting right now,
// must not leave a process behind.
export function forceStop(pid: number): boolean {
  return signal(pid, "SIGKILL");
}

// A process that is already gone is not an error for a caller that wants it gone.
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}
