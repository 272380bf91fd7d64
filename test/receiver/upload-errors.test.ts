import { existsSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, sha256 } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { snapshot } from "../helpers/snapshot.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

// Sends a request by hand: headers, then part of a body, then the connection
// is cut, as a runner that dies mid-upload does.
function abortedUpload(api: string, headers: Record<string, string>, part: Buffer): Promise<void> {
  const url = new URL(api);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      const head = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("");
      socket.write(`POST /v1/apps/webdemo/deploy HTTP/1.1\r\nhost: ${url.host}\r\n${head}\r\n`);
      socket.write(part, () => setImmediate(() => (socket.destroy(), resolve())));
    });
    socket.on("error", reject);
  });
}

describe("uploads that go wrong change nothing", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  let before: Record<string, string>;
  const deployDir = () => readdirSync(`${ws.dir}/deploy`).sort();
  beforeAll(async () => {
    ws = createWorkspace();
    rx = await startReceiver(ws.configFile);
    before = snapshot(`${ws.dir}/deploy`);
  });
  afterAll(() => rx?.stop());

  it("aborted half way: no temp file, exeFile and updateFile untouched, the app is free again", async () => {
    const body = readFileSync(ws.version("v2"));
    const token = await mint({ op: "deploy", sha256: sha256(body) });
    await abortedUpload(
      rx.api,
      {
        authorization: `Bearer ${token}`,
        "content-length": String(body.length),
        "x-hotswap-sha256": sha256(body),
      },
      body.subarray(0, body.length >> 1),
    );
    // The lock is released once the receiver has seen the cut: a swap then
    // answers 404 (nothing staged) instead of 409 (busy).
    await waitFor(async () => {
      const r = await call(rx.api, "/v1/apps/webdemo/swap", {
        method: "POST",
        token: await mint({ op: "swap" }),
      });
      return (
        r.status === 404 &&
        (r.json as { error: { code: string } }).error.code === "ERR_NOTHING_STAGED"
      );
    }, "the app's lock to be free");
    expect(snapshot(`${ws.dir}/deploy`)).toEqual(before);
    expect(existsSync(ws.updateFile)).toBe(false);
  });

  it("digest mismatch: 400 ERR_DIGEST_MISMATCH, nothing staged", async () => {
    const body = readFileSync(ws.version("v2"));
    const claimed = sha256("something else");
    const r = await call(rx.api, "/v1/apps/webdemo/deploy", {
      token: await mint({ op: "deploy", sha256: claimed }),
      body,
      sha256: claimed,
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { code: "ERR_DIGEST_MISMATCH" } });
    expect(snapshot(`${ws.dir}/deploy`)).toEqual(before);
  });

  it("over maxUploadSize: 413 before the body is read", async () => {
    const big = 2 * 1024 * 1024; // maxUploadSize is 1MiB in the workspace
    const fake = sha256("big");
    const token = await mint({ op: "deploy", sha256: fake });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${rx.api}/v1/apps/webdemo/deploy`,
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-length": big,
            "x-hotswap-sha256": fake,
          },
        },
        (res) => resolve(res.statusCode!),
      );
      req.on("error", reject);
      req.flushHeaders(); // headers only: the answer must come without a byte of the body
    });
    expect(status).toBe(413);
    expect(snapshot(`${ws.dir}/deploy`)).toEqual(before);
  });

  it("no Content-Length (chunked): 411", async () => {
    const body = Buffer.from("chunked body");
    const token = await mint({ op: "deploy", sha256: sha256(body) });
    const { status, text } = await new Promise<{ status: number; text: string }>(
      (resolve, reject) => {
        const req = request(
          `${rx.api}/v1/apps/webdemo/deploy`,
          {
            method: "POST",
            headers: {
              authorization: `Bearer ${token}`,
              "x-hotswap-sha256": sha256(body),
              "transfer-encoding": "chunked",
            },
          },
          (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode!, text }));
          },
        );
        req.on("error", reject);
        req.end(body);
      },
    );
    expect(status).toBe(411);
    expect(JSON.parse(text)).toMatchObject({ error: { code: "ERR_LENGTH_REQUIRED" } });
    expect(snapshot(`${ws.dir}/deploy`)).toEqual(before);
  });

  it("a form upload: 415 naming the fix", async () => {
    const body = Buffer.from("--x\r\n\r\nhello\r\n--x--\r\n");
    const r = await call(rx.api, "/v1/apps/webdemo/deploy", {
      token: await mint({ op: "deploy", sha256: sha256(body) }),
      body,
      headers: { "content-type": "multipart/form-data; boundary=x" },
    });
    expect(r.status).toBe(415);
    expect(r.json).toMatchObject({
      error: { code: "ERR_MEDIA_TYPE", message: expect.stringContaining("--data-binary") },
    });
    expect(deployDir()).toEqual(["webdemo"]);
  });
});
