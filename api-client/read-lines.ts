import { StringDecoder } from "node:string_decoder";

/** No event is this long; a stream that says otherwise is not the receiver's. */
const MAX_LINE_CHARS = 1 << 20;

// NDJSON arrives in chunks cut anywhere; each event must reach the log the moment its
// line is complete, not when the stream ends.
export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of stream) {
    rest += typeof chunk === "string" ? chunk : decoder.write(chunk);
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    if (rest.length > MAX_LINE_CHARS) {
      throw new Error(`the receiver sent a line longer than ${MAX_LINE_CHARS} characters`);
    }
    for (const line of lines) if (line.trim()) yield line.trim();
  }
  rest += decoder.end();
  if (rest.trim()) yield rest.trim();
}
