// stageUpload with real files and a Readable as the request body: a good upload
// lands whole at updateFile; every bad one throws its HttpError and leaves the
// folder as it was, with no temp file and updateFile untouched.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanStaging } from "../../receiver/staging/clean-staging.js";
import { STAGING_TMP, stageUpload } from "../../receiver/staging/stage-upload.js";
import { waitFor } from "../helpers/wait-for.js";

const BODY = randomBytes(3 * 1024 * 1024 + 123);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let dir: string;
let updateFile: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-stage-"));
  updateFile = join(dir, "webdemo_update");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The body in 64 KiB chunks, as a socket delivers it. */
function chunked(body: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < body.length; i += 65_536) yield body.subarray(i, i + 65_536);
    })(),
  );
}

/** Sends the first bytes, then nothing more: a client that stalled. */
function stalling(first: Buffer): Readable {
  const body = new Readable({ read() {} });
  body.push(first);
  return body;
}

/** Sends the first bytes, then the connection resets. */
function resetting(first: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) {
        this.destroy(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
      } else {
        sent = true;
        this.push(first);
      }
    },
  });
}

const stage = (body: Readable, overrides: { length?: number; sha256?: string } = {}) =>
  stageUpload(body, {
    updateFile,
    length: overrides.length ?? BODY.length,
    sha256: overrides.sha256 ?? sha256(BODY),
    idleTimeoutMs: 5_000,
  });

describe("stageUpload", () => {
  it("lands a good upload at updateFile with mode 0755 and the exact bytes", async () => {
    const result = await stageUpload(chunked(BODY), {
      updateFile,
      length: BODY.length,
      sha256: sha256(BODY),
      idleTimeoutMs: 5_000,
    });
    expect(result).toMatchObject({ size: BODY.length });
    expect((await readFile(updateFile)).equals(BODY)).toBe(true);
    expect((await stat(updateFile)).mode & 0o777).toBe(0o755);
    expect(await readdir(dir)).toEqual(["webdemo_update"]);
  });

  it("replaces an earlier staged file", async () => {
    await writeFile(updateFile, "an older upload");
    await stage(chunked(BODY));
    expect((await readFile(updateFile)).equals(BODY)).toBe(true);
    expect(await readdir(dir)).toEqual(["webdemo_update"]);
  });

  const failures: [string, () => Promise<unknown>, number, string][] = [
    [
      "a digest mismatch",
      () => stage(chunked(BODY), { sha256: sha256(Buffer.from("something else")) }),
      400,
      "ERR_DIGEST_MISMATCH",
    ],
    [
      "a body shorter than its Content-Length",
      () => stage(chunked(BODY.subarray(0, BODY.length - 1))),
      400,
      "ERR_UPLOAD_ABORTED",
    ],
    [
      "a body longer than its Content-Length",
      () => stage(chunked(Buffer.concat([BODY, Buffer.from("x")]))),
      400,
      "ERR_SIZE_MISMATCH",
    ],
    [
      "a client that stops sending",
      () =>
        stageUpload(stalling(BODY.subarray(0, 1000)), {
          updateFile,
          length: BODY.length,
          sha256: sha256(BODY),
          idleTimeoutMs: 50,
        }),
      408,
      "ERR_UPLOAD_TIMEOUT",
    ],
    [
      "a connection reset",
      () => stage(resetting(BODY.subarray(0, 1000))),
      400,
      "ERR_UPLOAD_ABORTED",
    ],
  ];

  describe.each([
    ["no updateFile yet", undefined],
    ["an earlier updateFile", "the upload before"],
  ])("with %s", (_, earlier) => {
    it.each(failures)(
      "refuses %s and leaves the folder as it was",
      async (__, run, status, code) => {
        if (earlier) await writeFile(updateFile, earlier);
        const error = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ name: "HttpError", status, code });
        if (earlier) {
          expect(await readFile(updateFile, "utf8")).toBe(earlier);
          expect(await readdir(dir)).toEqual(["webdemo_update"]);
        } else {
          expect(await readdir(dir)).toEqual([]);
        }
      },
    );
  });

  it("fails with ERR_STAGING when updateFile's folder does not exist", async () => {
    updateFile = join(dir, "missing", "webdemo_update");
    await expect(stage(chunked(BODY))).rejects.toMatchObject({
      status: 500,
      code: "ERR_STAGING",
    });
  });
});

describe("cleanStaging", () => {
  it("removes this updateFile's leftover temp files and nothing else", async () => {
    const debris = [
      `${STAGING_TMP}webdemo_update-0123456789ab`,
      `${STAGING_TMP}webdemo_update-ffffffffffff`,
    ];
    const keep = [
      "webdemo_update",
      "webdemo",
      `${STAGING_TMP}otherapp_update-0123456789ab`,
      `${STAGING_TMP}webdemo_update`,
      "notes.txt",
    ];
    for (const name of [...debris, ...keep]) await writeFile(join(dir, name), name);
    expect(await cleanStaging(updateFile)).toBe(2);
    expect((await readdir(dir)).sort()).toEqual([...keep].sort());
    expect(await readFile(updateFile, "utf8")).toBe("webdemo_update");
    expect(await cleanStaging(updateFile)).toBe(0);
  });

  it("removes the temp file of an upload cut short, whatever stageUpload names it", async () => {
    // A stalled upload keeps its temp file, as a receiver killed mid-upload leaves it.
    const body = stalling(BODY.subarray(0, 10));
    const cutShort = stageUpload(body, {
      updateFile,
      length: BODY.length,
      sha256: sha256(BODY),
      idleTimeoutMs: 60_000,
    }).catch((e: unknown) => e);
    const temp = await waitFor(
      async () => (await readdir(dir)).find((n) => n.startsWith(STAGING_TMP)),
      "the upload's temp file",
    );
    expect(await cleanStaging(updateFile)).toBe(1);
    expect(await readdir(dir)).not.toContain(temp);
    body.destroy();
    expect(await cutShort).toMatchObject({ code: "ERR_UPLOAD_ABORTED" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("is fine when updateFile's folder does not exist", async () => {
    await expect(cleanStaging(join(dir, "missing", "webdemo_update"))).resolves.toBe(0);
  });
});
