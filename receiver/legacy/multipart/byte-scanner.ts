import { HttpError } from "../../http-error.js";

const EMPTY = Buffer.alloc(0);

// A window over a body that arrives in chunks: it holds the current chunk and,
// across a chunk's end, at most the few bytes that might begin a delimiter, so
// memory stays flat however large the part between two delimiters is.
export class ByteScanner {
  private buf: Buffer;
  private ended = false;
  private read = 0;

  constructor(
    private readonly chunks: AsyncIterator<Buffer>,
    /** At most this many bytes of body are read; more is a 413. */
    private readonly limit: number,
    /** Bytes the body is taken to start with (multipart: the CRLF before the first delimiter). */
    prefix: Buffer = EMPTY,
  ) {
    this.buf = prefix;
  }

  /** The bytes before `needle`, consumed with it; for short things (header lines) only. */
  async until(needle: Buffer, max: number, what: string): Promise<Buffer> {
    let from = 0;
    for (;;) {
      const at = this.buf.indexOf(needle, from);
      if (at !== -1) {
        const before = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + needle.length);
        return before;
      }
      if (this.buf.length > max)
        throw new HttpError(400, "ERR_MULTIPART", `${what} is longer than ${max} bytes`);
      from = Math.max(0, this.buf.length - needle.length + 1);
      await this.fill(what);
    }
  }

  /** The next `n` bytes, left in place. */
  async peek(n: number, what: string): Promise<Buffer> {
    while (this.buf.length < n) await this.fill(what);
    return this.buf.subarray(0, n);
  }

  /** Every byte before `delimiter`, chunk by chunk as it arrives; the delimiter is consumed. */
  async *through(delimiter: Buffer, what: string): AsyncGenerator<Buffer> {
    for (;;) {
      const at = this.buf.indexOf(delimiter);
      if (at !== -1) {
        const last = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + delimiter.length);
        if (last.length) yield last;
        return;
      }
      const keep = delimiterStart(this.buf, delimiter);
      const safe = this.buf.subarray(0, this.buf.length - keep);
      this.buf = this.buf.subarray(this.buf.length - keep);
      if (safe.length) yield safe;
      await this.fill(what);
    }
  }

  private async fill(what: string): Promise<void> {
    const next = this.ended ? undefined : await this.chunks.next();
    if (!next || next.done) {
      this.ended = true;
      throw new HttpError(400, "ERR_UPLOAD_ABORTED", `the upload ended inside ${what}`);
    }
    this.read += next.value.length;
    if (this.read > this.limit) {
      throw new HttpError(413, "ERR_TOO_LARGE", `the form is larger than ${this.limit} bytes`);
    }
    // Most of the time nothing is held back and the chunk is used as it is.
    this.buf = this.buf.length ? Buffer.concat([this.buf, next.value]) : next.value;
  }
}

// How many bytes at the end of `buf` could be the start of `delimiter` (the
// longest such suffix): they wait for the next chunk to decide.
function delimiterStart(buf: Buffer, delimiter: Buffer): number {
  const from = Math.max(0, buf.length - delimiter.length + 1);
  for (
    let at = buf.indexOf(delimiter[0]!, from);
    at !== -1;
    at = buf.indexOf(delimiter[0]!, at + 1)
  ) {
    if (buf.subarray(at).equals(delimiter.subarray(0, buf.length - at))) return buf.length - at;
  }
  return 0;
}
