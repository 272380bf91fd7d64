import type * as fsp from "node:fs/promises";

// Fault injection for the fault tests, in the failpoint style of etcd and TiKV:
// HOTSWAP_FAULT names what to break, and the receiver warns loudly at start when
// it is set. Nothing here does anything when the variable is absent.
//
//   crash@POINT        SIGKILL this receiver at POINT (after-hold, after-unload,
//                      mid-swap, after-reload, before-release; strategy overlap:
//                      after-start, after-switch, after-drain, after-unload)
//   win32-locked@N     swap in the Windows order and fail the first N renames
//                      with EBUSY, as a running exe locked by a straggler does
//                      (@0: the Windows order alone, for a test that puts a real
//                      obstacle in its way, such as chattr +i on exeFile); a folder
//                      app's links are made as junctions are (absolute), and a
//                      rename over one fails with EPERM, as over a junction
//
// Several may be given, comma-separated (win32-locked@0,crash@mid-swap: a crash
// between the Windows order's two renames).
const specs = (process.env.HOTSWAP_FAULT ?? "")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);

export const faultsActive = specs.length > 0;

/** Kills the process at a named point of a swap when HOTSWAP_FAULT asks for it. */
export function faultPoint(point: string): void {
  if (specs.includes(`crash@${point}`)) process.kill(process.pid, "SIGKILL");
}

/** Replace options that simulate a locked exe on Windows, when HOTSWAP_FAULT asks for it. */
export function lockedExeFaults(
  real: typeof fsp,
): { platform: NodeJS.Platform; fs: typeof fsp } | undefined {
  const match = specs.map((s) => /^win32-locked@(\d+)$/.exec(s)).find(Boolean);
  if (!match) return undefined;
  let failures = Number(match[1]);
  const rename: typeof real.rename = async (from, to) => {
    if (failures-- > 0) {
      throw Object.assign(
        new Error(`EBUSY: resource busy or locked, rename '${String(from)}' -> '${String(to)}'`),
        { code: "EBUSY" },
      );
    }
    // Windows renames nothing over a directory, a junction included (MoveFileEx).
    const over = await real.lstat(to).catch(() => undefined);
    if (over?.isSymbolicLink()) {
      throw Object.assign(
        new Error(`EPERM: operation not permitted, rename '${String(from)}' -> '${String(to)}'`),
        { code: "EPERM" },
      );
    }
    return real.rename(from, to);
  };
  return { platform: "win32", fs: { ...real, rename } };
}
