import type { Pool } from "../pool/pool.js";
import { retireServers } from "./retire-servers.js";
import { pruneRunCopies } from "./run-copy.js";
import { startBeside } from "./start-beside.js";
import { failed, type SwapContext, type SwapOutcome } from "./swap-parts.js";
import { switchServers } from "./switch-servers.js";

// The Windows order's last rename failed, retries and all: the new version serves
// from its run copy while exeFile still holds the old one. exeFile's servers come
// back the overlap way (start, switch, drain, stop), so what serves is what exeFile
// holds and the next start finds no surprise.
export async function serveExeFile(
  cx: SwapContext,
  serving: Pool,
  stuck: Error,
): Promise<SwapOutcome> {
  const { app, kept } = cx;
  const message = `could not move the update into exeFile: ${stuck.message}`;
  const back = cx.pools.next();
  const down = await startBeside(cx, back, app.exeFile);
  if (down) {
    const still = `; exeFile's version did not start again (${down.message}), so the new one serves on from ${serving.exe}`;
    return { ...failed(kept, "ERR_SWAP", message + still), holdMs: 0 };
  }
  await switchServers(cx, back);
  await retireServers(cx, serving);
  await pruneRunCopies(cx.runDir, back.exe);
  return { ...failed(kept, "ERR_SWAP", message, { rolledBack: true }), holdMs: 0 };
}
