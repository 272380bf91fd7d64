import { spawn } from "node:child_process";
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
  const known = remembered(file, info);
  known.sha256 ??= await sha256Of(file);
  if (versionCommand && !("version" in known))
    known.version = await runVersionCommand(versionCommand, file);
  const result: VersionInfo = {
    sha256: known.sha256,
    size: info.size,
    mtime: info.mtime.toISOString(),
  };
  if (known.version) result.version = known.version;
  return result;
}

/** The digest of a file just written (staging computed it): no need to read it again. */
export async function rememberDigest(file: string, sha256: string): Promise<void> {
  remembered(file, await stat(file)).sha256 = sha256;
}

// Hashing a 1 GiB exe or running its version command on every status call would
// be wasteful: what is known of a file holds while its identity (inode, size,
// write time) does.
interface Known {
  identity: string;
  sha256?: string;
  version?: string | undefined;
}
const known = new Map<string, Known>();
function remembered(file: string, info: { ino: number; size: number; mtimeMs: number }): Known {
  const identity = `${info.ino}:${info.size}:${info.mtimeMs}`;
  let entry = known.get(file);
  if (entry?.identity !== identity) known.set(file, (entry = { identity }));
  return entry;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const VERSION_TIMEOUT_MS = 10_000;

// Runs versionCommand with a hard deadline: the child gets SIGKILL (its whole
// process group on POSIX, so a grandchild holding the pipes open dies too) and
// the answer is "no version", never a wait that holds the app's lock.
function runVersionCommand(command: string[], exe: string): Promise<string | undefined> {
  const [program, ...args] = command.map((part) => part.replaceAll("{exe}", exe));
  return new Promise((done) => {
    let out = "";
    let settled = false;
    const finish = (value: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(value);
    };
    const child = spawn(program!, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: process.platform !== "win32",
    });
    const kill = () => {
      try {
        if (child.pid && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => (kill(), finish(undefined)), VERSION_TIMEOUT_MS);
    const collect = (chunk: Buffer) => {
      if (out.length < 64 * 1024) out += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", () => finish(undefined));
    child.on("exit", (code) => {
      kill(); // anything it left behind
      const line = out.split(/\r?\n/).find((l) => l.trim());
      finish(code === 0 ? line?.trim().slice(0, 200) : undefined);
    });
  });
}
