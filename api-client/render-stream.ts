import type {
  ResultEvent,
  StepEvent,
  StepName,
  StreamEvent,
  WatchEvent,
} from "../receiver/protocol.js";
import { answers, duration, percent, seconds } from "./format.js";
import type { Out } from "./out.js";

type Line = { text: string } | { warning: string } | { error: string };
interface OpenStep {
  name: string;
  lines: Line[];
  /** Its group is open in the log already and its lines go out as they come. */
  live: boolean;
}

/** Steps that run for as long as the build is judged: a minute in the dark is too long. */
const LIVE_STEPS: ReadonlySet<string> = new Set<StepName>(["watch", "canary"]);
/** Group titles are one line in the log's outline; the start message follows in full. */
const TITLE_MAX = 80;

// The receiver narrates the operation as NDJSON; this writes it into the log (the workflow's
// or the terminal's, whichever `out` is) and
// hands back the result line. Each step becomes one group titled with its time, "hold
// (12 ms)": a group's title is printed when it opens, so a step's lines wait for its end.
// Watch and canary are the exception: they last as long as the build is judged, so their
// group opens at their start and each live count goes out as it comes, one line each; the
// outcome and the time are its last line. Warnings and errors are annotations as well, and
// all receiver text goes out as untrusted, so it cannot run workflow commands. Heartbeats and the
// receiver's byte counts are not shown, nor events this action does not know.
export async function renderStream(
  lines: AsyncIterable<string>,
  out: Out,
): Promise<ResultEvent | undefined> {
  let open: OpenStep | undefined;
  const write = (line: Line) => (open && !open.live ? open.lines.push(line) : emit([line], out));
  // A buffered step prints its group now, titled; a live one's group is open already and
  // gets the title as its last line.
  const close = (title: string) => {
    if (!open) return;
    if (open.live) emit([{ text: title }], out);
    else {
      out.startGroup(title);
      emit(open.lines, out);
    }
    out.endGroup();
    open = undefined;
  };
  const step = (event: StepEvent) => {
    if (open && (event.state === "start" || open.name !== event.step)) close(open.name);
    const live = event.state === "start" && LIVE_STEPS.has(event.step);
    if (live) out.startGroup(liveTitle(event));
    else if (event.state === "start") out.running?.(event.step);
    const current = (open ??= { name: event.step, lines: [], live });
    if (event.state === "failed") write({ error: `${event.step} failed: ${event.message ?? ""}` });
    else if (event.message) write({ text: event.message });
    if (event.state === "start") return;
    const time = event.ms === undefined ? "" : ` (${stepTime(event, event.ms)})`;
    const outcome = event.state === "failed" ? " failed" : current.live ? " done" : "";
    close(`${event.step}${outcome}${time}`);
  };
  try {
    for await (const line of lines) {
      const event = parse(line);
      if (!event) write({ text: `unreadable line from the receiver: ${line}` });
      else if (event.type === "step") step(event);
      else if (event.type === "log") write(logLine(event.level, event.message));
      else if (event.type === "watch") watchLine(event, write);
      else if (event.type === "result") return event;
    }
    return undefined;
  } finally {
    if (open) close(`${open.name} (unfinished)`);
  }
}

/** The hold step's "time" in its title: it lasts until release (the terminal ticks it too). */
export const UNTIL_RELEASE = "until release";

// A step's time in its title. Hold's own time is only the moment it took to close the
// gate: requests wait from there until release, and how long is the result's "requests
// held" line, so its title says that instead of "hold (0 ms)".
function stepTime(event: StepEvent, ms: number): string {
  if (event.step === "hold" && event.state === "done") return UNTIL_RELEASE;
  return duration(ms);
}

// "watch: judging the new build for 60 s": the start message up to its first colon, which
// is where the receiver's describe() moves from what is judged to the rules.
function liveTitle(event: StepEvent): string {
  const head = (event.message ?? "").split(/\r?\n/)[0]!.split(": ")[0]!.trim();
  if (!head) return `${event.step} (running)`;
  const title = `${event.step}: ${head}`;
  return title.length <= TITLE_MAX ? title : `${title.slice(0, TITLE_MAX - 1)}…`;
}

// "watch 24/60 s: 412 answers, 3 errors (0.7%); baseline 980 answers, 2 errors (0.2%)",
// and a canary's share of clients. A watch event without its numbers (another receiver
// version) is passed over like an unknown event: it is news, not the verdict.
function watchLine(event: WatchEvent, write: (line: Line) => void): void {
  const { counts, baseline, share, elapsedMs, forMs } = event;
  if (!isCounts(counts) || !isCounts(baseline) || !isNumber(elapsedMs) || !isNumber(forMs)) return;
  const parts = [
    `${event.step} ${seconds(elapsedMs)}/${seconds(forMs)} s: ${answers(counts, 1)}`,
    `baseline ${answers(baseline, 1)}`,
  ];
  if (isNumber(share)) parts.push(`${percent(share)} of clients on the new build`);
  write({ text: parts.join("; ") });
}

const isNumber = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value);
const isCounts = (value: unknown): value is WatchEvent["counts"] =>
  typeof value === "object" &&
  value !== null &&
  isNumber((value as WatchEvent["counts"]).requests) &&
  isNumber((value as WatchEvent["counts"]).errors);

function logLine(level: string, message: string): Line {
  if (level === "warn") return { warning: message };
  if (level === "error") return { error: message };
  return { text: message };
}

function parse(line: string): StreamEvent | undefined {
  try {
    const event = JSON.parse(line) as unknown;
    const ok = typeof event === "object" && event !== null && "type" in event;
    return ok ? (event as StreamEvent) : undefined;
  } catch {
    return undefined;
  }
}

// Consecutive text lines go out together (one fence in the workflow log); annotations are
// commands and go between them.
function emit(lines: Line[], out: Out): void {
  let text: string[] = [];
  const fence = () => {
    if (text.length > 0) out.untrusted(text.join("\n"));
    text = [];
  };
  for (const line of lines) {
    if ("text" in line) text.push(line.text);
    else {
      fence();
      if ("warning" in line) out.warning(line.warning);
      else out.error(line.error);
    }
  }
  fence();
}
