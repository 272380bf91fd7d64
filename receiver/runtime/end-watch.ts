import { HttpError } from "../http-error.js";
import type { JournalEntry, ResultEvent, StreamEvent } from "../protocol.js";
import type { AppRuntime } from "./app-runtime.js";

/** Who ended a watch, as its judgement and the log say it: "key ci", "admin", "octocat". */
export function enderName(who: JournalEntry["who"]): string {
  if (who?.admin) return "the admin page";
  if (who?.keyId) return `key ${who.keyId}`;
  return who?.actor ?? who?.workflow ?? "the API";
}

/** How an end asked for went: the watched deploy's result, and whether it was this end. */
export interface EndedWatch {
  result: ResultEvent;
  /** False when judging had ended on its own just before the end reached it. */
  ended: boolean;
  /** Why not, when not. */
  message?: string;
}

// POST /v1/apps/{app}/promote and /abort, and the admin page's buttons: end the watch
// or canary under way now. Promote keeps the build (and sends all traffic to it), abort
// rolls it back. Resolves with the deploy's result once it has ended. 404 when nothing
// is judged, 409 when the watch is ending or over already: thrown at once (not a
// rejection) so a caller that does not wait for the result (the admin page) can still
// answer the refusal.
export function endWatch(
  rt: AppRuntime,
  how: "promoted" | "aborted",
  by: string,
): Promise<EndedWatch> {
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
    const over = watch.ending
      ? `is ending already: ${watch.ending.how} by ${watch.ending.by}`
      : `is over (the build was judged); ${how === "aborted" ? "roll it back with a rollback" : "nothing to promote"}`;
    throw new HttpError(409, "ERR_WATCH_ENDING", `the watch of ${watch.deployId} ${over}`);
  }
  // Listening after the end is in time: end() only wakes the step, whose result comes
  // later; and a refusal leaves no listener behind whose timeout nobody would catch.
  rt.log("info", `${verb} of ${watch.deployId} by ${by}`);
  return resultOf(rt, watch.deployId, rt.longestSwapMs()).then((result) =>
    endedBy(result) === how
      ? { result, ended: true }
      : {
          result,
          ended: false,
          // Judging ended on its own just before this reached it: say so, not a false "done".
          message: `the watch of ${watch.deployId} had ended before the ${verb} reached it; the deploy ${result.ok ? "kept its build" : `failed: ${result.error.message}`}`,
        },
  );
}

/** How a deploy's judging was ended by hand, from its result: promoted, aborted, or not. */
export function endedBy(result: ResultEvent): "promoted" | "aborted" | undefined {
  const verdict = result.judged?.at(-1)?.verdict;
  return verdict === "promoted" || verdict === "aborted" ? verdict : undefined;
}

// The result event of operation `deployId`, from the app's feed.
export function resultOf(
  rt: AppRuntime,
  deployId: string,
  timeoutMs: number,
): Promise<ResultEvent> {
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
