import { faultPoint } from "../faults.js";
import { stopServers } from "./stop-servers.js";
import type { Pool } from "../pool/pool.js";
import { drainRequests } from "./drain-requests.js";
import { stepper } from "./step.js";
import type { SwapContext } from "./swap-parts.js";

// Servers the gate no longer sends requests to (strategy overlap, after the switch):
// they finish the requests they have ("drain"), then stop ("unload").
export async function retireServers(cx: SwapContext, pool: Pool): Promise<void> {
  const step = stepper(cx.emit);
  const count = pool.origins().length;
  cx.note("drain");
  await step(
    "drain",
    () => drainRequests(cx, pool.origins()),
    (idle) =>
      idle
        ? `${count} server(s) finished the requests they had`
        : `${count} server(s) still busy after drainTimeout`,
  );
  faultPoint("after-drain");
  cx.note("unload");
  await step(
    "unload",
    () => stopServers(pool, cx.emit),
    () => `${count} server(s) stopped`,
  );
  faultPoint("after-unload");
}
