import { faultPoint } from "../faults.js";
import type { Pool } from "../pool/pool.js";
import { stepper } from "./step.js";
import type { SwapContext } from "./swap-parts.js";

// The "switch" step of strategy overlap, one assignment: from now on the gate's
// targets are `pool`'s, and any request that waited for a server goes out. No request
// is held for it, so an overlap swap reports a hold of 0 ms.
export async function switchServers(cx: SwapContext, pool: Pool): Promise<void> {
  cx.note("switch");
  await stepper(cx.emit)(
    "switch",
    () => cx.pools.serve(pool),
    () => "new requests go to the new servers",
  );
  faultPoint("after-switch");
}
