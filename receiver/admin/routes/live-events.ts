import type { Handler } from "hono";
import { streamSSE } from "hono/streaming";
import type { StreamEvent } from "../../protocol.js";
import type { Receiver } from "../../receiver.js";
import type { HttpEnv } from "../../http/http-env.js";

const HEARTBEAT_MS = 15_000;

/** What an app's feed emits for every event of an operation. */
interface FeedEvent {
  app: string;
  deployId: string;
  op: string;
  event: StreamEvent;
}

// GET /admin/events: the steps of every operation of every app as they happen
// (the same events the workflow log gets), as server-sent events named "op".
// A comment every 15 s keeps proxies from closing it; it ends with the session.
export function liveEvents(receiver: Receiver): Handler<HttpEnv> {
  return function streamLiveEvents(c) {
    const expires = c.var.adminSession!.exp;
    return streamSSE(c, async (stream) => {
      let queue = stream.write("retry: 3000\n: connected\n\n").then(() => {});
      const send = (chunk: () => Promise<unknown>) => {
        queue = queue.then(chunk).then(() => {});
      };
      const forward = (e: FeedEvent) => {
        if (e.event.type !== "heartbeat")
          send(() => stream.writeSSE({ event: "op", data: JSON.stringify(e) }));
      };
      const feeds = [...receiver.apps.values()].map((rt) => rt.feed);
      feeds.forEach((feed) => feed.on("event", forward));
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
      feeds.forEach((feed) => feed.off("event", forward));
      await queue;
    });
  };
}
