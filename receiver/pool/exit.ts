// How a server process ended.
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process never started (missing file, not executable). */
  error?: Error;
}

// A process can end three ways; logs and errors need one phrase for any of them.
export function describeExit(exit: Exit): string {
  if (exit.error) return `could not be started: ${exit.error.message}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
