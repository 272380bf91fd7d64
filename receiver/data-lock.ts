import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./config/config-error.js";

// Two receivers on one data folder would reap each other's servers and spend
// each other's tokens: the first to start holds receiver.pid until it exits. A
// pid file left by a receiver killed with SIGKILL names a dead process and is
// taken over. The file is also how a supervisor learns the receiver's pid after an
// upgrade (§7, systemd PIDFile=): it is replaced whole (written aside, renamed), so
// it is never read half written, and `takeOverFrom` is the receiver that hands the
// folder over in an upgrade: it is still alive, and has stopped using it.
export function lockDataDir(dir: string, configFile: string, takeOverFrom?: number): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "receiver.pid");
  const holder = Number(readFileSafe(file));
  if (holder && holder !== process.pid && holder !== takeOverFrom && alive(holder)) {
    throw new ConfigError(
      configFile,
      "data",
      `another receiver (pid ${holder}) uses ${dir}; stop it first, or remove ${file} if that pid is not a receiver`,
    );
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  renameSync(tmp, file);
  process.once("exit", () => {
    if (Number(readFileSafe(file)) === process.pid) rmSync(file, { force: true });
  });
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
