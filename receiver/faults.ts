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
const spec = process.env.HOTSWAP_FAULT ?? "";

export const faultsActive = spec !== "";

/** Kills the process at a named point of a swap when HOTSWAP_FAULT asks for it. */
export function faultPoint(point: string): void {
  if (spec === `crash@${point}`) process.kill(process.pid, "SIGKILL");
}

/** Replace options that simulate a locked exe on Windows, when HOTSWAP_FAULT asks for it. */
export function lockedExeFaults(
  real: typeof fsp,
): { platform: NodeJS.Platform; fs: typeof fsp } | undefined {
  const match = /^win32-locked@(\d+)$/.exec(spec);
  if (!match) return undefined;
  let failures = Number(match[1]);
  const rename: typeof real.rename = async (from, to) => {
    if (failures-- > 0) {
      throw Object.assign(
        new Error(`EBUSY: resource busy or locked, rename '${String(from)}' -> '${String(to)}'`),
        { code: "EBUSY" },
      );
    }
    return real.rename(from, to);
  };
  return { platform: "win32", fs: { ...real, rename } };
}
