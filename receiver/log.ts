export type Level = "info" | "warn" | "error";
export type Log = (level: Level, message: string) => void;

// One line per event on stderr, prefixed with time, level and app. Request
// headers are never passed in, so a token cannot reach the log.
export function createLog(
  prefix = "",
  write: (line: string) => void = (l) => process.stderr.write(l),
): Log {
  return (level, message) =>
    write(
      `${new Date().toISOString()} ${level.padEnd(5)} ${prefix ? `[${prefix}] ` : ""}${message}\n`,
    );
}
