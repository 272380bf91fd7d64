import type { Context } from "hono";
import type { HttpEnv } from "../http/http-env.js";
import { HttpError } from "../http-error.js";
import type { LogLine } from "../pool/app-log.js";
import type { AppLogEvent, AppLogLine } from "../protocol.js";
import { NdjsonStream } from "./ndjson-stream.js";

export const DEFAULT_LINES = 100;
/** What a follower may have queued unread before its new lines are dropped and counted. */
const FOLLOW_QUEUE_BYTES = 256 * 1024;

/** A line as the API shows it (docs/design.md §4). */
export function wireLine(line: LogLine): AppLogLine {
  return {
    time: new Date(line.time).toISOString(),
    instance: line.instance,
    stream: line.stream,
    line: line.line,
  };
}

function parseQuery(c: Context<HttpEnv>, max: number): { lines: number; follow: boolean } {
  const lines = c.req.query("lines");
  const follow = c.req.query("follow");
  if (lines !== undefined && !/^\d{1,9}$/.test(lines)) {
    throw new HttpError(400, "ERR_BAD_QUERY", `lines must be a whole number from 0 to ${max}`);
  }
  if (lines !== undefined && Number(lines) > max) {
    throw new HttpError(
      400,
      "ERR_BAD_QUERY",
      `lines must be a whole number from 0 to ${max} (the buffer holds at most ${max})`,
    );
  }
  if (follow !== undefined && !["0", "1", "true", "false", ""].includes(follow)) {
    throw new HttpError(400, "ERR_BAD_QUERY", "follow must be 1 or 0");
  }
  return {
    lines: lines === undefined ? Math.min(DEFAULT_LINES, max) : Number(lines),
    follow: follow === "1" || follow === "true" || follow === "",
  };
}

// GET /v1/apps/{app}/logs[?lines=N][&follow=1] (token op "logs"): the newest lines of
// the app's log buffer (receiver/pool/app-log.ts) as NDJSON, and with follow every new
// line as it is read, with the usual heartbeat after 10 s of silence, until the client
// goes away. A follower that reads slower than the servers print does not grow the
// receiver's memory: past FOLLOW_QUEUE_BYTES unread its lines are dropped and counted,
// and one {"time","dropped":N} says so once it reads again.
export function appLogs(c: Context<HttpEnv>): Response {
  const output = c.var.runtime.output;
  const { lines, follow } = parseQuery(c, output.maxLines);
  let stop = () => {};
  const stream = new NdjsonStream<AppLogEvent>({
    highWaterMark: FOLLOW_QUEUE_BYTES,
    onClose: () => stop(),
  });
  for (const line of output.tail(lines)) stream.write(wireLine(line));
  if (!follow) {
    stream.close();
    return stream.response();
  }
  let dropped = 0;
  stop = output.follow((line) => {
    if (!stream.room()) {
      dropped++;
      return;
    }
    if (dropped) {
      stream.write({ time: new Date(line.time).toISOString(), dropped });
      dropped = 0;
    }
    stream.write(wireLine(line));
  });
  return stream.response();
}
