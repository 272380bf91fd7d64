import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import { copyDurable } from "../staging/copy-durable.js";
import type { Incoming } from "./hot-swap.js";

/** Where an incoming file from another file system is copied before the hold. */
export const incomingPath = (exeFile: string) => `${exeFile}.hotswap-incoming`;

// A rename only works within one file system. When updateFile lives on another
// one than exeFile, copy it beside exeFile first, before the hold, so the swap
// inside the hold is still a single atomic rename.
export async function besideExe(incoming: Incoming, exeFile: string): Promise<Incoming> {
  const [from, to] = await Promise.all([stat(incoming.path), stat(dirname(exeFile))]);
  if (from.dev === to.dev) return incoming;
  const path = incomingPath(exeFile);
  const sha256 = await copyDurable(incoming.path, path);
  if (sha256 !== incoming.info.sha256)
    throw new Error(`${incoming.path} changed while it was copied beside exeFile`);
  return { ...incoming, path };
}
