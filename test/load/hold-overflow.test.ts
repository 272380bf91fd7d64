// Guarantee 1's (docs/design.md) bound: while a swap holds the gate, at most hold.maxRequests wait; the
// rest get 503 with Retry-After at once (not when the hold ends), and none is cut.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";
import { failure, gateClient, holdWindows, type Sample } from "./open-load.mjs";

const MAX_REQUESTS = 5;
const SENT = 20;

describe("hold overflow", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    ws = createWorkspace({ app: { hold: { timeout: "20s", maxRequests: MAX_REQUESTS } } });
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  it(`holds the first ${MAX_REQUESTS} and answers the rest 503 with Retry-After at once`, async () => {
    const gate = gateClient({ url: rx.gate(), timeoutMs: 30_000 });
    try {
      await waitFor(async () => (await gate.send("get", true)).version === "v1", "v1 to answer");
      // The new build takes 2 s to listen, so the hold lasts at least that long.
      const body = readFileSync(ws.version("v2", { startDelayMs: 2_000 }));
      const token = await mint({ op: "deploy", sha256: sha256(body) });
      const holds = holdWindows();
      let burst: Promise<Sample[]> | undefined;
      const r = await call(rx.api, "/v1/apps/webdemo/deploy", {
        token,
        body,
        onEvent(event) {
          holds.onEvent(event);
          // The old servers are gone and the new ones are starting: the gate is holding.
          if (event.type === "step" && event.step === "reload" && event.state === "start") {
            burst = Promise.all(
              Array.from({ length: SENT }, (_, i) => gate.send("get", i % 2 === 0)),
            );
          }
        },
      });
      expect(r.result).toMatchObject({ ok: true, version: { version: "testapp v2" } });
      expect(burst).toBeDefined();
      const samples = await burst!;
      const releasing = holds.windows[0]?.releasing;
      expect(holds.windows).toHaveLength(1);
      expect(releasing).toBeDefined();

      const held = samples.filter((s) => s.status === 200);
      const refused = samples.filter((s) => s.status === 503);
      console.log(
        `hold overflow: ${held.length} held and served by ${[...new Set(held.map((s) => s.version))].join(", ")}, ` +
          `${refused.length} refused within ${Math.max(...refused.map((s) => s.latencyMs)).toFixed(0)} ms ` +
          `(release ${(releasing! - Math.min(...samples.map((s) => s.sentAt))).toFixed(0)} ms after the burst)`,
      );
      expect(samples.filter((s) => s.error !== undefined)).toEqual([]);
      expect(held).toHaveLength(MAX_REQUESTS);
      expect(refused).toHaveLength(SENT - MAX_REQUESTS);
      // The held ones waited through the swap: the old servers were stopped before the burst.
      for (const s of held) expect(failure(s) ?? s.version).toBe("v2");
      for (const s of refused) {
        expect(s.retryAfter).toBe("20");
        expect(s.text).toBe("hotswap: webdemo is on hold and the queue is full\n");
        expect(s.doneAt).toBeLessThan(releasing!); // at once, not when the hold ended
      }
    } finally {
      await gate.close();
    }
  });
});
