import type { Writable } from "node:stream";
import type { Out } from "../api-client/out.js";
import { duration, bytes } from "../api-client/format.js";
import { UNTIL_RELEASE } from "../api-client/render-stream.js";
import { uploadProgress, type Progress } from "../api-client/upload-progress.js";
import type { Redactor } from "./redact.js";

const SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
const FRAME_MS = 80;
const BAR_WIDTH = 24;

export interface TerminalOptions {
  /** A terminal: a live bottom line (spinner, progress bar) and colours. */
  live: boolean;
  color: boolean;
  redactor: Redactor;
}

/** The steps on screen, and the upload's progress drawn the way the screen can. */
export interface Terminal extends Out {
  progress(total: number): Progress;
  /** Clears the live line and stops its timer, so the process can exit. */
  stop(): void;
}

// The CLI's log: the same groups and lines as the workflow log. On a terminal, a step under
// way is a spinner and the upload a progress bar, both on one live bottom line that every
// printed line first clears and then draws again; elsewhere, plain lines and the upload's
// progress every 5 s. The receiver's words have their control characters shown as escapes,
// so they cannot move the cursor or retitle the terminal.
export function terminal(stream: Writable, options: TerminalOptions): Terminal {
  const { live, color, redactor } = options;
  let depth = 0;
  let status: (() => string) | undefined;
  let shown = false;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const clear = () => {
    if (shown) stream.write("\r\x1b[2K");
    shown = false;
  };
  const draw = () => {
    if (!live || !status) return;
    frame++;
    const columns = (stream as { columns?: number }).columns || 80;
    stream.write(`\r\x1b[2K${redactor.redact(status()).slice(0, Math.max(10, columns - 1))}`);
    shown = true;
  };
  const setStatus = (next: (() => string) | undefined) => {
    status = next;
    clearInterval(timer);
    timer = undefined;
    if (!next || !live) return clear();
    timer = setInterval(draw, FRAME_MS).unref();
    draw();
  };
  const print = (text: string) => {
    clear();
    const indent = "  ".repeat(depth);
    for (const line of redactor.redact(text).split("\n")) stream.write(`${indent}${line}\n`);
    draw();
  };
  const title = (name: string) => {
    setStatus(undefined);
    if (!live) return print(`== ${name}`);
    if (/\bfailed\b|unfinished/.test(name)) print(paint("31;1", `✗ ${name}`));
    else if (/\(\d[^)]*\)$/.test(name) || name.endsWith(`(${UNTIL_RELEASE})`))
      print(paint("32", "✓ ") + paint("1", name));
    else print(paint("36", "▸ ") + paint("1", name));
  };
  const out: Terminal = {
    info: print,
    untrusted: (text) => print(escapeControls(text)),
    warning: (message) => print(paint("33", `warning: ${escapeControls(message)}`)),
    error: (message) => print(paint("31", `error: ${escapeControls(message)}`)),
    startGroup(name) {
      title(escapeControls(name));
      depth = 1;
    },
    endGroup() {
      depth = 0;
    },
    async group(name, fn) {
      out.startGroup(name);
      try {
        return await fn();
      } finally {
        setStatus(undefined);
        out.endGroup();
      }
    },
    running(step) {
      const started = Date.now();
      setStatus(
        () =>
          `${paint("36", SPINNER[frame % SPINNER.length]!)} ${step} ${duration(Date.now() - started)}`,
      );
    },
    progress(total) {
      if (!live) return uploadProgress(total, print);
      const started = Date.now();
      const progress = uploadProgress(
        total,
        (line) => (setStatus(undefined), print(line)),
        Infinity,
      );
      setStatus(() => bar(progress.sent(), total, Date.now() - started, paint));
      return progress;
    },
    stop: () => setStatus(undefined),
  };
  return out;
}

// "[██████████░░░░░░░░░░░░░░]  42%  12.6 MB of 30.0 MB at 8.1 MB/s"
function bar(
  sent: number,
  total: number,
  ms: number,
  paint: (code: string, text: string) => string,
): string {
  const share = total > 0 ? Math.min(1, sent / total) : 1;
  const full = Math.round(share * BAR_WIDTH);
  const cells = paint("32", "█".repeat(full)) + "░".repeat(BAR_WIDTH - full);
  const percent = `${Math.floor(share * 100)}%`.padStart(4);
  const rate = bytes((sent * 1000) / Math.max(1, ms));
  return `upload [${cells}] ${percent}  ${bytes(sent)} of ${bytes(total)} at ${rate}/s`;
}

/** Control characters other than tab and newline, as \xNN: text for the eye only. */
export function escapeControls(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
