import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, realpath, stat } from "node:fs/promises";
import type { VersionInfo } from "../protocol.js";
import { releaseSchema, versionOfRelease } from "../swap/releases.js";
import { readPeVersion, type PeVersion, type PeVersionRead } from "./pe-version.js";
import { runVersionCommand } from "./version-command.js";

// The seed echoed the new exe's write date and version after a swap; this is
// that echo plus the digest that proves which bytes are live. The version is
// versionCommand's answer when one is configured and answers, else what a
// Windows exe's version resource says ("WC Demo 1.2.3.4"). A Windows exe that
// gives no version tells `noVersion` why, so the swap's stream can say it.
export async function versionInfo(
  file: string,
  versionCommand?: string[],
  noVersion?: (why: string) => void,
): Promise<VersionInfo | null> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  // A folder app's current or staged link: its release says what it is (staging wrote it).
  if (info.isDirectory()) return releaseVersion(file);
  const known = remembered(file, info);
  known.sha256 ??= await sha256Of(file);
  known.pe ??= await readPeVersion(file);
  if (versionCommand && !("version" in known))
    known.version = await runVersionCommand(versionCommand, file);
  const result: VersionInfo = {
    sha256: known.sha256,
    size: info.size,
    mtime: info.mtime.toISOString(),
    ...known.pe.version,
  };
  const version = known.version ?? peVersionLine(known.pe.version);
  if (version) result.version = version;
  else if (known.pe.noVersion) noVersion?.(known.pe.noVersion);
  return result;
}

/** The digest of a file just written (staging computed it): no need to read it again. */
export async function rememberDigest(file: string, sha256: string): Promise<void> {
  remembered(file, await stat(file)).sha256 = sha256;
}

// Hashing a 1 GiB exe, reading its version resource or running its version
// command on every status call would be wasteful: what is known of a file holds
// while its identity (inode, size, write time) does.
interface Known {
  identity: string;
  sha256?: string;
  pe?: PeVersionRead;
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

// What Explorer's Details tab would show: the product's name and the file's version.
function peVersionLine(pe: PeVersion | undefined): string | undefined {
  if (!pe?.fileVersion) return undefined;
  return pe.productName ? `${pe.productName} ${pe.fileVersion}` : pe.fileVersion;
}

// The version of a folder app's release that `link` points at: from <release>.json,
// written when the artifact was unpacked (stage-release.ts), with the artifact's digest.
async function releaseVersion(link: string): Promise<VersionInfo | null> {
  const release = await realpath(link);
  let text: string;
  try {
    text = await readFile(`${release}.json`, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = releaseSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(
      `${release}.json does not describe a release: remove the release, or deploy again`,
    );
  return versionOfRelease(parsed.data);
}
