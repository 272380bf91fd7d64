import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HttpError } from "../../receiver/http-error.js";
import { filePart } from "../../receiver/legacy/multipart/file-part.js";
import { formBoundary } from "../../receiver/legacy/multipart/form-boundary.js";

const BOUNDARY = "----wwHttp-1d2c3b4a";
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

// A form as wwHttp builds it with nHttpPostMode = 2: a text field first, then
// AddPostKey("File", lcFile, .T.) with its own content-length header (7.02 and
// later), no epilogue after the close delimiter.
function wwHttpForm(file: Buffer, boundary = BOUNDARY): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="txtNotes"\r\n\r\nbuilt by Bld_webdemo.prg\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="File"; filename="C:\\wconnect\\webdemo\\Webdemo.exe"\r\n` +
        `content-length: ${file.length}\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--`),
  ]);
}

async function* chunked(body: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (let i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield body.subarray(at, at + size);
    at += size;
  }
}

async function read(body: AsyncIterable<Buffer>, field = "File", limit = 1 << 30) {
  const part = await filePart(body, BOUNDARY, field, limit);
  if (!part) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of part.data) chunks.push(chunk);
  return { filename: part.filename, data: Buffer.concat(chunks) };
}

describe("the multipart reader of the upload links", () => {
  // Bytes that look like the start of a delimiter, at every place a chunk can split them.
  const tricky = Buffer.concat([
    Buffer.from(`MZ\r\n--${BOUNDARY.slice(0, -1)}x\r\n-\r\r\n--`),
    randomBytes(3000),
    Buffer.from(`\r\n--${BOUNDARY}`.slice(0, 20)),
  ]);
  const form = wwHttpForm(tricky);

  it.each([[[1]], [[2]], [[3, 7]], [[BOUNDARY.length + 3]], [[64, 1, 500]], [[form.length]]])(
    "gives the File part's exact bytes whatever the chunks (%j)",
    async (sizes) => {
      const got = await read(chunked(form, sizes));
      expect(got?.filename).toBe("Webdemo.exe");
      expect(sha(got!.data)).toBe(sha(tricky));
    },
  );

  it('reads curl -F and the seed\'s admin form (field "file", preamble, epilogue)', async () => {
    const file = randomBytes(10_000);
    const body = Buffer.concat([
      Buffer.from(`a preamble\r\n--${BOUNDARY}  \r\n`),
      Buffer.from(`Content-Disposition: form-data; name="file"; filename="webdemo.exe"\r\n`),
      Buffer.from("Content-Type: application/octet-stream\r\n\r\n"),
      file,
      Buffer.from(`\r\n--${BOUNDARY}--\r\nepilogue`),
    ]);
    const got = await read(chunked(body, [4096]));
    expect(got?.filename).toBe("webdemo.exe");
    expect(got!.data.equals(file)).toBe(true);
  });

  it("is undefined for a form without the field, and refuses a cut-off one", async () => {
    const other = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="Notes"\r\n\r\nhi\r\n--${BOUNDARY}--\r\n`,
    );
    expect(await read(chunked(other, [5]))).toBeUndefined();
    const cut = form.subarray(0, form.length - BOUNDARY.length - 3);
    await expect(read(chunked(cut, [100]))).rejects.toMatchObject({
      status: 400,
      code: "ERR_UPLOAD_ABORTED",
    });
  });

  it("refuses a form larger than the limit and headers that never end", async () => {
    await expect(read(chunked(form, [256]), "File", 1000)).rejects.toMatchObject({
      status: 413,
    });
    const endless = Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nX: `), Buffer.alloc(20_000, 97)]);
    await expect(read(chunked(endless, [1000]))).rejects.toMatchObject({
      code: "ERR_MULTIPART",
    });
  });

  it("takes the boundary from the Content-Type and refuses anything but a form", () => {
    expect(formBoundary(`multipart/form-data; boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(formBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"')).toBe("a b:c");
    expect(() => formBoundary("application/octet-stream")).toThrow(HttpError);
    expect(() => formBoundary("multipart/form-data")).toThrow(/boundary/);
  });
});
