import { open } from "node:fs/promises";

// A rename is durable only once its folder is flushed; Windows cannot open a
// folder for that and its renames are durable already, so failures are ignored.
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // not supported here
  }
}
