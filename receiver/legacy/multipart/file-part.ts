import { HttpError } from "../../http-error.js";
import { ByteScanner } from "./byte-scanner.js";

export interface FilePart {
  /** The file name the client sent, without its folder. */
  filename: string | undefined;
  /** The part's bytes as they arrive; ends at the delimiter after them, throws if the body ends first. */
  data: AsyncGenerator<Buffer>;
}

const CRLF = Buffer.from("\r\n");
const MAX_HEADER_LINE = 8 * 1024;
const MAX_HEADERS = 64;

// Reads a multipart/form-data body (RFC 7578) as it streams in, up to the part
// whose field is named `field` (without regard to case: wwHttp sends "File",
// the seed's admin form "file"), skipping any other fields. Nothing is buffered
// beyond one chunk. Undefined when the form ends without that field.
export async function filePart(
  body: AsyncIterable<Buffer>,
  boundary: string,
  field: string,
  limit: number,
): Promise<FilePart | undefined> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter has no CRLF before it when there is no preamble.
  const scanner = new ByteScanner(body[Symbol.asyncIterator](), limit, CRLF);
  for await (const _ of scanner.through(delimiter, "the form's preamble"));
  for (;;) {
    if ((await scanner.peek(2, "the form")).toString("latin1") === "--") return undefined;
    const padding = await scanner.until(CRLF, 256, "a delimiter line");
    if (!/^[ \t]*$/.test(padding.toString("latin1")))
      throw new HttpError(400, "ERR_MULTIPART", "a delimiter line has text after the boundary");
    const disposition = (await headers(scanner)).get("content-disposition") ?? "";
    const name = param(disposition, "name");
    const data = scanner.through(delimiter, `the form's ${JSON.stringify(name ?? "")} field`);
    if (name?.toLowerCase() === field.toLowerCase()) {
      const filename = param(disposition, "filename")?.split(/[\\/]/).pop() || undefined;
      return { filename, data };
    }
    for await (const _ of data);
  }
}

async function headers(scanner: ByteScanner): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let count = 0; ; count++) {
    const line = (await scanner.until(CRLF, MAX_HEADER_LINE, "a part's headers")).toString("utf8");
    if (!line) return found;
    if (count === MAX_HEADERS)
      throw new HttpError(400, "ERR_MULTIPART", `a part has more than ${MAX_HEADERS} headers`);
    const colon = line.indexOf(":");
    if (colon > 0)
      found.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
}

// `form-data; name="File"; filename="C:\build\webdemo.exe"`: one parameter's
// value, quoted or not (`;\s*name` cannot match inside `filename`).
function param(disposition: string, key: string): string | undefined {
  const match = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i").exec(
    disposition,
  );
  if (!match) return undefined;
  // Only \" is unescaped: old browsers and wwHttp send Windows paths with bare backslashes.
  return match[1] !== undefined ? match[1].replaceAll('\\"', '"') : match[2];
}
