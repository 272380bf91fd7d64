import { HttpError } from "../http-error.js";
import type { JournalEntry, ResultEvent, StreamEvent } from "../protocol.js";
import type { AppRuntime } from "./app-runtime.js";

/** Who ended a watch, as its judgement and the log say it: "key ci", "admin", "octocat". */
export function endedBy(who: JournalEntry["who"]): string {
  if (who?.admin) return "the admin page";
  if (who?.keyId) return `key ${who.keyId}`;
  return who?.actor ?? who?.workflow ?? "the API";
}

// POST /v1/apps/{app}/promote and /abort, and the admin page's buttons: end the watch
// or canary under way now. Promote keeps the build (and sends all traffic to it), abort
// rolls it back. Answers the deploy's result once it has ended. 404 when nothing is
// judged, 409 when the watch is ending already: thrown at once (not a rejection) so a
// caller that does not wait for the result (the admin page) can still answer the refusal.
export function endWatch(
  rt: AppRuntime,
  how: "promoted" | "aborted",
  by: string,
): Promise<ResultEvent> {
  const app = rt.config.name;
  const watch = rt.watching;
  const verb = how === "promoted" ? "promote" : "abort";
  if (!watch)
    throw new HttpError(
      404,
      "ERR_NO_WATCH",
      `nothing to ${verb}: no deploy of ${app} is being judged by traffic (watch or canary) now`,
    );
  if (!watch.end(how, by)) {
    const { how: was, by: whom } = watch.ending!;
    throw new HttpError(
      409,
      "ERR_WATCH_ENDING",
      `the watch of ${watch.deployId} is ending already: ${was} by ${whom}`,
    );
  }
  // Listening after the end is in time: end() only wakes the step, whose result comes
  // later; and a refusal leaves no listener behind whose timeout nobody would catch.
  const result = resultOf(rt, watch.deployId, rt.longestSwapMs());
  rt.log("info", `${verb} of ${watch.deployId} by ${by}`);
  return result;
}

// The result event of operation `deployId`, from the app's feed.
function resultOf(rt: AppRuntime, deployId: string, timeoutMs: number): Promise<ResultEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      rt.feed.off("event", listen);
      reject(
        new HttpError(
          503,
          "ERR_TIMEOUT",
          `${deployId} was ended but did not finish in ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const listen = ({ deployId: id, event }: { deployId: string; event: StreamEvent }) => {
      if (id !== deployId || event.type !== "result") return;
      clearTimeout(timer);
      rt.feed.off("event", listen);
      resolve(event);
    };
    rt.feed.on("event", listen);
  });
}
