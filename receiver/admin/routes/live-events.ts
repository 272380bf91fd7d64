import type { Handler } from "hono";
import { streamSSE } from "hono/streaming";
import { wireLine } from "../../api/app-logs.js";
import type { StreamEvent } from "../../protocol.js";
import type { Receiver } from "../../receiver.js";
import type { HttpEnv } from "../../http/http-env.js";
import { unknownApp } from "../../http-error.js";
import type { AppRuntime } from "../../runtime/app-runtime.js";
import { liveState } from "../pages/live-state.js";
import type { RateMeter } from "../rate-meter.js";

const HEARTBEAT_MS = 15_000;
/** How often every app's gate and servers are sent, and how soon after a step. */
const STATE_MS = 1_000;
const STATE_AFTER_EVENT_MS = 100;
/** Output lines a slow page may have unsent before new ones are dropped and counted. */
const MAX_PENDING_LINES = 500;

/** What an app's feed emits for every event of an operation. */
interface FeedEvent {
  app: string;
  deployId: string;
  op: string;
  event: StreamEvent;
}

// GET /admin/events: the steps of every operation of every app as they happen
// (the same events the workflow log gets), as server-sent events named "op".
// GET /admin/events?output=APP instead: every line APP's servers print from now on, as
// events named "line" ({time, instance, stream, line}, as GET /v1/apps/{app}/logs), for
// the Output view; a page that reads slower than the servers print misses lines, and a
// "dropped" event ({time, dropped}) says how many, so the receiver's memory stays flat.
// The dashboard's feed also carries, as events named "state" (pages/live-state.tsx), each
// app's gate card and servers table every second and just after each step, so what
// the page shows of the gate (holding, queued) and the servers moves with the steps.
// A comment every 15 s keeps proxies from closing it; it ends with the session.
export function liveEvents(receiver: Receiver, meter: RateMeter): Handler<HttpEnv> {
  return function streamLiveEvents(c) {
    const { exp: expires, csrf } = c.var.adminSession!;
    const outputOf = c.req.query("output");
    const output = outputOf === undefined ? undefined : receiver.apps.get(outputOf)?.output;
    if (outputOf !== undefined && !output) throw unknownApp(outputOf);
    return streamSSE(c, async (stream) => {
      let queue = stream.write("retry: 3000\n: connected\n\n").then(() => {});
      let pending = 0;
      const send = (chunk: () => Promise<unknown>) => {
        pending++;
        queue = queue
          .then(chunk)
          .then(() => {})
          .finally(() => pending--);
      };
      const unsubscribe: (() => void)[] = [];
      if (output) {
        let dropped = 0;
        unsubscribe.push(
          output.follow((line) => {
            if (pending >= MAX_PENDING_LINES) {
              dropped++;
              return;
            }
            if (dropped) {
              const data = JSON.stringify({ time: new Date(line.time).toISOString(), dropped });
              send(() => stream.writeSSE({ event: "dropped", data }));
              dropped = 0;
            }
            const data = JSON.stringify(wireLine(line));
            send(() => stream.writeSSE({ event: "line", data }));
          }),
        );
      } else {
        // A page that reads slowly gets fewer states, never a growing queue of them.
        const sendState = (rt: AppRuntime) => {
          if (pending >= 2 * receiver.apps.size) return;
          send(async () => {
            const data = JSON.stringify(await liveState(rt, meter, csrf));
            return stream.writeSSE({ event: "state", data });
          });
        };
        const soon = new Map<AppRuntime, NodeJS.Timeout>();
        for (const rt of receiver.apps.values()) {
          const forward = (e: FeedEvent) => {
            if (e.event.type === "heartbeat") return;
            send(() => stream.writeSSE({ event: "op", data: JSON.stringify(e) }));
            if (!soon.has(rt)) {
              soon.set(
                rt,
                setTimeout(() => {
                  soon.delete(rt);
                  sendState(rt);
                }, STATE_AFTER_EVENT_MS),
              );
            }
          };
          rt.feed.on("event", forward);
          unsubscribe.push(() => rt.feed.off("event", forward));
        }
        const states = setInterval(() => receiver.apps.forEach(sendState), STATE_MS);
        unsubscribe.push(() => {
          clearInterval(states);
          soon.forEach((timer) => clearTimeout(timer));
        });
      }
      const heartbeat = setInterval(
        () => send(() => stream.write(": heartbeat\n\n")),
        HEARTBEAT_MS,
      );
      let expiry: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        stream.onAbort(resolve);
        expiry = setTimeout(resolve, Math.min(expires - Date.now(), 2 ** 31 - 1));
      });
      clearInterval(heartbeat);
      clearTimeout(expiry);
      unsubscribe.forEach((stop) => stop());
      await queue;
    });
  };
}
