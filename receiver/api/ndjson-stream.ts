import { HEARTBEAT_MS, NDJSON, type HeartbeatEvent, type StreamEvent } from "../protocol.js";

export interface NdjsonStreamOptions {
  /** Bytes the stream may queue for a slow client before room() says no. */
  highWaterMark?: number;
  /** Called once when the stream ends, whether the receiver or the client ended it. */
  onClose?: () => void;
}

// The answer of deploy, upload, swap and rollback, and of logs: one JSON object a line,
// written as it happens, with a heartbeat after HEARTBEAT_MS of silence so
// proxies and the action's idle timeout keep the connection. A client that
// goes away only stops the writing: the operation itself runs to its end.
export class NdjsonStream<E extends object = StreamEvent> {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly encoder = new TextEncoder();
  private readonly onClose: (() => void) | undefined;
  readonly body: ReadableStream<Uint8Array>;

  constructor(options: NdjsonStreamOptions = {}) {
    this.onClose = options.onClose;
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.close(),
      },
      // Counted in bytes, so room() means "the client keeps up" (the listener pulls
      // only while the socket drains).
      { highWaterMark: options.highWaterMark ?? 1, size: (chunk) => chunk.byteLength },
    );
  }

  /** The answer; heartbeats start with it (not while an upload is still being read). */
  response(): Response {
    this.arm();
    return new Response(this.body, {
      status: 200,
      headers: { "content-type": NDJSON, "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  write(event: E | HeartbeatEvent): void {
    if (this.closed) return;
    this.controller.enqueue(this.encoder.encode(JSON.stringify(event) + "\n"));
    if ((event as { type?: string }).type === "result") this.close();
    else this.arm();
  }

  /** Whether the client has read what it was sent, give or take highWaterMark bytes. */
  room(): boolean {
    return !this.closed && (this.controller.desiredSize ?? 0) > 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.heartbeat);
    try {
      this.controller.close();
    } catch {
      // already cancelled by the client
    }
    this.onClose?.();
  }

  private arm(): void {
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => this.write({ type: "heartbeat" }), HEARTBEAT_MS);
  }
}
