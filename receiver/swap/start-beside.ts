import type { Pool } from "../pool/pool.js";
import { stepper } from "./step.js";
import { attempt, type SwapContext } from "./swap-parts.js";

// The "start" step of strategy overlap: new servers start from `exe` on fresh ports
// while the serving ones go on answering. The error if they are not healthy within
// health.timeout; the pool has stopped them by then.
export function startBeside(cx: SwapContext, pool: Pool, exe: string): Promise<Error | undefined> {
  cx.note("start");
  return attempt(() =>
    stepper(cx.emit)(
      "start",
      () => pool.start(exe),
      () => `${cx.app.instances} new server(s) healthy beside the serving ones`,
    ),
  );
}
