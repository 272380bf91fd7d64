import { HEARTBEAT_MS, NDJSON, type StreamEvent } from "../protocol.js";

// The answer of deploy, upload, swap and rollback: one JSON object a line,
// written as it happens, with a heartbeat after HEARTBEAT_MS of silence so
// proxies and the action's idle timeout keep the connection. A client that
// goes away only stops the writing: the operation itself runs to its end.
export class NdjsonStream {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly encoder = new TextEncoder();
  readonly body: ReadableStream<Uint8Array>;

  constructor() {
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => this.close(),
    });
  }

  /** The answer; heartbeats start with it (not while an upload is still being read). */
  response(): Response {
    this.arm();
    return new Response(this.body, {
      status: 200,
      headers: { "content-type": NDJSON, "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  write(event: StreamEvent): void {
    if (this.closed) return;
    this.controller.enqueue(this.encoder.encode(JSON.stringify(event) + "\n"));
    if (event.type === "result") this.close();
    else this.arm();
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
  }

  private arm(): void {
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => this.write({ type: "heartbeat" }), HEARTBEAT_MS);
  }
}
