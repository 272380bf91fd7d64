import * as core from "@actions/core";
import type { ResultEvent, StepEvent, StreamEvent } from "../receiver/protocol.js";
import { duration } from "./format.js";
import { untrusted } from "./untrusted.js";

/** The part of @actions/core the log is written with; tests pass a recorder. */
export interface Out {
  info(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
  warning(message: string): void;
  error(message: string): void;
}

type Line = { text: string } | { warning: string } | { error: string };
interface OpenStep {
  name: string;
  lines: Line[];
}

// The receiver narrates the operation as NDJSON; this writes it into the workflow log and
// hands back the result line. Each step becomes one group titled with its time, "hold
// (12 ms)": a group's title is printed when it opens, so a step's lines wait for its end.
// Warnings and errors are annotations as well, and all receiver text is fenced off so it
// cannot run workflow commands. Heartbeats and the receiver's byte counts are not shown.
export async function renderStream(
  lines: AsyncIterable<string>,
  out: Out = core,
  token?: string,
): Promise<ResultEvent | undefined> {
  let open: OpenStep | undefined;
  const write = (line: Line) => (open ? open.lines.push(line) : emit([line], out, token));
  const close = (title: string) => {
    if (!open) return;
    out.startGroup(title);
    emit(open.lines, out, token);
    out.endGroup();
    open = undefined;
  };
  const step = (event: StepEvent) => {
    if (open && (event.state === "start" || open.name !== event.step)) close(open.name);
    open ??= { name: event.step, lines: [] };
    if (event.state === "failed") write({ error: `${event.step} failed: ${event.message ?? ""}` });
    else if (event.message) write({ text: event.message });
    if (event.state === "start") return;
    const time = event.ms === undefined ? "" : ` (${duration(event.ms)})`;
    close(`${event.step}${event.state === "failed" ? " failed" : ""}${time}`);
  };
  try {
    for await (const line of lines) {
      const event = parse(line);
      if (!event) write({ text: `unreadable line from the receiver: ${line}` });
      else if (event.type === "step") step(event);
      else if (event.type === "log") write(logLine(event.level, event.message));
      else if (event.type === "result") return event;
    }
    return undefined;
  } finally {
    if (open) close(`${open.name} (unfinished)`);
  }
}

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

// Consecutive text lines share one fence; annotations are commands and go between them.
function emit(lines: Line[], out: Out, token?: string): void {
  let text: string[] = [];
  const fence = () => {
    if (text.length > 0) untrusted(text.join("\n"), out, token);
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
