import type { AppRuntime } from "../runtime/app-runtime.js";
import { endWatch } from "../runtime/end-watch.js";
import type { FailedResult, ResultEvent, StreamEvent } from "../protocol.js";
import { NdjsonStream } from "./ndjson-stream.js";

// Promote and abort answered as the API's NDJSON stream: the watched deploy's last steps
// (the old servers' drain, the switch back, a rollback, afterRelease hooks) as they
// happen, heartbeats meanwhile, and its result last, so a client's idle timeout never
// cuts a long end. Refusals before it (404, 409) are HTTP errors, as every call's are.
export function endWatchStreamed(
  rt: AppRuntime,
  how: "promoted" | "aborted",
  by: string,
): Response {
  const watched = rt.watching?.deployId;
  const ending = endWatch(rt, how, by); // throws its refusal at once
  const stream = new NdjsonStream();
  const forward = ({ deployId, event }: { deployId: string; event: StreamEvent }) => {
    if (deployId === watched && event.type !== "result") stream.write(event);
  };
  rt.feed.on("event", forward);
  void ending
    .then(
      ({ result, ended, message }): ResultEvent =>
        ended
          ? result
          : { ...failedAs(result), error: { code: "ERR_WATCH_ENDING", message: message! } },
      (error: Error): ResultEvent => ({
        type: "result",
        ok: false,
        deployId: watched ?? "",
        op: "deploy",
        app: rt.config.name,
        error: { code: "ERR_TIMEOUT", message: error.message },
        holdMs: 0,
        durationMs: 0,
      }),
    )
    .then((result) => {
      rt.feed.off("event", forward);
      stream.write(result);
    });
  return stream.response();
}

/** The deploy's result as a failed one: what is live, without the deploy's own verdict. */
function failedAs(result: ResultEvent): Omit<FailedResult, "error"> {
  const { type, deployId, op, app, version, previous, judged, holdMs, durationMs } = result;
  return { type, ok: false, deployId, op, app, version, previous, judged, holdMs, durationMs };
}
