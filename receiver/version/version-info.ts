import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { VersionInfo } from "../protocol.js";

// The seed echoed the new exe's write date and version after a swap; this is
// that echo plus the digest that proves which bytes are live.
export async function versionInfo(
  file: string,
  versionCommand?: string[],
): Promise<VersionInfo | null> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const result: VersionInfo = {
    sha256: await sha256Cached(file, info),
    size: info.size,
    mtime: info.mtime.toISOString(),
  };
  const version = versionCommand && (await runVersionCommand(versionCommand, file));
  if (version) result.version = version;
  return result;
}

// Hashing a 1 GiB exe on every status call would be wasteful: remember the
// digest for as long as the file's identity (inode, size, write time) holds.
const cache = new Map<string, { key: string; sha256: string }>();
async function sha256Cached(file: string, info: { ino: number; size: number; mtimeMs: number }) {
  const key = `${info.ino}:${info.size}:${info.mtimeMs}`;
  const hit = cache.get(file);
  if (hit?.key === key) return hit.sha256;
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const sha256 = hash.digest("hex");
  cache.set(file, { key, sha256 });
  return sha256;
}

function runVersionCommand(command: string[], exe: string): Promise<string | undefined> {
  const [program, ...args] = command.map((part) => part.replaceAll("{exe}", exe));
  return new Promise((done) => {
    execFile(program!, args, { timeout: 10_000, maxBuffer: 64 * 1024 }, (error, stdout, stderr) => {
      if (error) return done(undefined);
      const line = `${stdout}\n${stderr}`.split(/\r?\n/).find((l) => l.trim());
      done(line?.trim().slice(0, 200));
    });
  });
}
