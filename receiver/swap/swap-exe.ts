import { replaceExe } from "./replace-exe.js";
import { stepper } from "./step.js";
import type { SwapContext } from "./swap-parts.js";

// The "swap" step of either strategy: the incoming file takes exeFile's place. When
// it fails, exeFile is still the old file (replaceExe puts it back).
export function swapExe(cx: SwapContext): Promise<void> {
  const { app, incoming, kept } = cx;
  return stepper(cx.emit)(
    "swap",
    () => replaceExe(incoming.path, app.exeFile, cx.replace),
    () =>
      `exeFile is now ${incoming.info.sha256.slice(0, 12)}` +
      (kept ? `; the old one is kept as release ${kept.id}` : ""),
  );
}
