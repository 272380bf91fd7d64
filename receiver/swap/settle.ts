import type { Pool } from "../pool/pool.js";
import { stepper } from "./step.js";
import type { SwapContext } from "./swap-parts.js";
import { watchSettle } from "./watch-settle.js";

// The "settle" step: the new servers are watched for health.settle once they take
// requests. The answer is why the build is unstable, or undefined if all stayed up.
export function settle(cx: SwapContext, pool: Pool): Promise<string | undefined> {
  const ms = cx.app.health.settle;
  return stepper(cx.emit)(
    "settle",
    () => watchSettle(pool, ms),
    (reason) => reason ?? `every server stayed up for ${ms} ms`,
  );
}
