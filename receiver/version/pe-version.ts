import { open } from "node:fs/promises";
import { NoVersion, PeBytes } from "./pe-bytes.js";
import { readPeLayout } from "./pe-headers.js";
import { readVersionResource } from "./pe-resources.js";
import { parseVersionBlock } from "./version-block.js";

/** What a Windows exe says about itself in its version resource (VS_VERSIONINFO). */
export interface PeVersion {
  fileVersion?: string;
  productVersion?: string;
  productName?: string;
}

/** A PE's version; or, for a PE that gives none, why; neither for a file that is no PE. */
export interface PeVersionRead {
  version?: PeVersion;
  noVersion?: string;
}

// The seed echoed the exe's version after a swap; on Windows that version lives
// in the exe itself. Only the headers, the section table, the resource directory
// and the version block are read (a few KiB, whatever the exe's size), each checked
// against the file's size: a truncated or hostile PE gives a reason, never a throw.
// Anything that does not start with "MZ" (an ELF, a script) is no PE: nothing to say.
export async function readPeVersion(file: string): Promise<PeVersionRead> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? {} : { noVersion: `it cannot be read (${code})` };
  }
  try {
    const pe = new PeBytes(handle, (await handle.stat()).size);
    if (pe.size < 2 || (await pe.read(0, 2, "MZ")).toString("latin1") !== "MZ") return {};
    const version = parseVersionBlock(await readVersionResource(pe, await readPeLayout(pe)));
    return version ? { version } : { noVersion: "its version resource holds no version" };
  } catch (error) {
    if (error instanceof NoVersion) return { noVersion: error.message };
    return { noVersion: `it cannot be read (${(error as Error).message})` };
  } finally {
    await handle.close();
  }
}
