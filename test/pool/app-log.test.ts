import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { EchoOutput } from "../../receiver/echo-output.js";
import { AppLog, type LogLine } from "../../receiver/pool/app-log.js";
import { MAX_LINE_CHARS, neutralise, OutputRing } from "../../receiver/pool/output-ring.js";
import { waitFor } from "../helpers/wait-for.js";

const line = (text: string, instance = 0): LogLine => ({
  seq: 0,
  time: Date.now(),
  instance,
  stream: "stdout",
  line: text,
  chars: text.length,
});

/** Feeds chunks through a real stream into a ring; resolves once it ended. */
async function split(chunks: (string | Buffer)[]): Promise<string[]> {
  const got: LogLine[] = [];
  const ring = new OutputRing(0, (l) => got.push(l));
  const stream = new PassThrough();
  ring.follow(stream, "stdout");
  const ended = new Promise((r) => stream.on("end", r));
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await ended;
  return got.map((l) => l.line);
}

describe("AppLog: the per-app buffer", () => {
  it("keeps at most maxLines, oldest out first", () => {
    const log = new AppLog({ maxLines: 3, maxChars: 1 << 20 });
    for (let i = 0; i < 5000; i++) log.push(line(`l${i}`));
    expect(log.size).toBe(3);
    expect(log.tail(10).map((l) => l.line)).toEqual(["l4997", "l4998", "l4999"]);
    expect(log.tail(1).map((l) => l.line)).toEqual(["l4999"]);
    expect(log.tail(0)).toEqual([]);
  });

  it("keeps at most maxChars (the text plus a fixed cost a line), and always the newest line", () => {
    const log = new AppLog({ maxLines: 1000, maxChars: 10_000 });
    for (let i = 0; i < 100; i++) log.push(line("x".repeat(1000)));
    expect(log.chars).toBeLessThanOrEqual(10_000);
    expect(log.size).toBe(9); // 9 × (1000 + 64) fit, 10 do not
    const big = new AppLog({ maxLines: 10, maxChars: 100 });
    big.push(line("y".repeat(500)));
    expect(big.size).toBe(1);
  });

  it("calls followers with every new line until they stop, and counts them", () => {
    const log = new AppLog();
    const a: string[] = [];
    const stopA = log.follow((l) => a.push(l.line));
    const stopB = log.follow(() => {});
    expect(log.followers).toBe(2);
    log.push(line("one"));
    stopA();
    log.push(line("two"));
    expect(a).toEqual(["one"]);
    stopB();
    stopB(); // twice is harmless
    expect(log.followers).toBe(0);
  });
});

describe("OutputRing: the one place server output is split", () => {
  it("splits on LF and CRLF, across chunks, and keeps a last line without newline", async () => {
    expect(await split(["a\r\nb", "c\nd", "\n\ne"])).toEqual(["a", "bc", "d", "", "e"]);
  });

  it("keeps a CR that is not part of a CRLF as an escape, even when the LF comes in the next chunk", async () => {
    expect(await split(["a\rb\r", "\nc\r"])).toEqual(["a\\x0db", "c\\x0d"]);
  });

  it("decodes UTF-8 split between chunks, and shows invalid bytes as U+FFFD", async () => {
    const euro = Buffer.from("€\n"); // e2 82 ac 0a
    expect(await split([euro.subarray(0, 1), euro.subarray(1)])).toEqual(["€"]);
    expect(await split([Buffer.from([0x61, 0xff, 0xc3, 0x0a])])).toEqual(["a\ufffd\ufffd"]);
  });

  it("cuts a line at 4,096 characters, never through a surrogate pair, and says how much was cut", async () => {
    const [cut] = await split(["é".repeat(5000) + "\n"]);
    expect(cut).toBe(`${"é".repeat(4096)} [… ${5000 - 4096} more characters cut]`);
    const [emoji] = await split(["a" + "😀".repeat(3000) + "\n"]); // 1 + 6000 code units
    expect(emoji).toBe(`a${"😀".repeat(2047)} [… ${6001 - 4095} more characters cut]`);
    const [exact] = await split(["x".repeat(MAX_LINE_CHARS)]);
    expect(exact).toBe("x".repeat(MAX_LINE_CHARS));
    // A long line arriving in many chunks holds at most 4,096 characters while it grows.
    const [many] = await split(Array.from({ length: 100 }, () => "z".repeat(1000)));
    expect(many).toBe(`${"z".repeat(4096)} [… ${100_000 - 4096} more characters cut]`);
  });

  it("neutralises control characters, escapes, separators and bidi overrides", () => {
    expect(neutralise("\x1b[2J\x1b]0;t\x07a\tb\rc\x7f\x9b\u2028\u202e\r\n")).toBe(
      "\\x1b[2J\\x1b]0;t\\x07a\tb\\x0dc\\x7f\\x9b\\u2028\\u202e\n",
    );
    expect(neutralise("plain: äöü 日本 ✓")).toBe("plain: äöü 日本 ✓");
  });

  it("keeps a server's last 50 lines as its last words, whatever the app's buffer holds", () => {
    const log = new AppLog({ maxLines: 10, maxChars: 1 << 20 });
    const quiet = new OutputRing(0, (l) => log.push(l));
    const chatty = new OutputRing(1, (l) => log.push(l));
    for (let i = 0; i < 60; i++) quiet.push(`quiet ${i}`);
    for (let i = 0; i < 500; i++) chatty.push(`chatty ${i}`);
    expect(quiet.lines().map((l) => l.line)).toEqual(
      Array.from({ length: 50 }, (_, i) => `quiet ${i + 10}`),
    );
    expect(log.tail(1000).every((l) => l.instance === 1)).toBe(true);
    // The same objects, not copies.
    expect(chatty.lines().at(-1)).toBe(log.tail(1)[0]);
  });
});

describe("EchoOutput: the app's lines in the receiver's output", () => {
  /** A stream whose reader is slow: it takes a write only when release() is called. */
  function slowReader(highWaterMark = 1024) {
    const written: string[] = [];
    const pending: (() => void)[] = [];
    const stream = new Writable({
      highWaterMark,
      write(chunk: Buffer, _enc, done) {
        written.push(chunk.toString());
        pending.push(done);
      },
    });
    const release = () => pending.splice(0).forEach((done) => done());
    return { stream, written, release, lines: () => written.join("").split("\n").filter(Boolean) };
  }

  it("prefixes [app#instance], stdout lines to stdout and stderr lines to stderr", async () => {
    const out = slowReader(1 << 20);
    const err = slowReader(1 << 20);
    const echo = new EchoOutput({ stdout: out.stream, stderr: err.stream });
    echo.write("web", line("to stdout", 1));
    echo.write("web", { ...line("to stderr", 0), stream: "stderr" });
    await waitFor(() => out.lines().length && err.lines().length, "the batch");
    expect(out.lines()).toEqual(["[web#1] to stdout"]);
    expect(err.lines()).toEqual(["[web#0] to stderr"]);
  });

  it("drops lines while the reader is behind, bounded, and says how many after 'drain'", async () => {
    const out = slowReader(1024);
    const err = slowReader();
    const echo = new EchoOutput({ stdout: out.stream, stderr: err.stream });
    const text = "y".repeat(100);
    for (let i = 0; i < 1000; i++) echo.write("web", line(text)); // 100 KiB at once
    echo.write("api", line(text));
    await new Promise((r) => setImmediate(r));
    // One 64 KiB batch went out and filled the buffer; the rest waits for nobody.
    expect(out.stream.writableLength).toBeLessThanOrEqual(70 * 1024);
    for (let i = 0; i < 10_000; i++) echo.write("web", line(text));
    await new Promise((r) => setImmediate(r));
    expect(out.stream.writableLength).toBeLessThanOrEqual(70 * 1024);
    const before = out.lines().length;
    out.release();
    await waitFor(() => {
      out.release();
      return out.lines().some((l) => l.includes("dropped"));
    }, "the drop note");
    const notes = out.lines().filter((l) => l.includes("dropped"));
    expect(before).toBeGreaterThan(0);
    expect(notes).toHaveLength(2);
    const dropped = Number(/ (\d+) line\(s\)/.exec(notes.find((l) => l.includes("[web]"))!)![1]);
    const kept = out.lines().filter((l) => l.startsWith("[web#0]")).length;
    expect(kept + dropped).toBe(11_000);
    expect(notes[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ warn {2}\[(web|api)\] \d+ line\(s\) of/);
    // Once drained, lines pass again.
    echo.write("web", line("after"));
    await waitFor(() => {
      out.release();
      return out.lines().includes("[web#0] after");
    }, "a line after the drain");
  });
});
