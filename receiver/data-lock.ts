import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "./config/config-error.js";

// Two receivers on one data folder would reap each other's servers and spend
// each other's tokens: the first to start holds receiver.pid until it exits. A
// pid file left by a receiver killed with SIGKILL names a dead process and is
// taken over.
export function lockDataDir(dir: string, configFile: string): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "receiver.pid");
  const holder = Number(readFileSafe(file));
  if (holder && holder !== process.pid && alive(holder)) {
    throw new ConfigError(
      configFile,
      "data",
      `another receiver (pid ${holder}) uses ${dir}; stop it first, or remove ${file} if that pid is not a receiver`,
    );
  }
  writeFileSync(file, `${process.pid}\n`);
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
