// Through the real receiver: an uploaded Windows exe whose version cannot be read
// makes the stream say why (it used to go without a version in silence), and one
// with a version resource echoes it with no such line.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamEvent } from "../../receiver/protocol.js";
import { call, sha256 } from "../helpers/api-client.js";
import { buildExe, hasTool } from "../helpers/mingw-pe.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

const TARGET = "x86_64-w64-mingw32";
const toolchain = hasTool(`${TARGET}-gcc`);
if (!toolchain) console.warn(`no-version-echo: skipping: ${TARGET}-gcc is missing`);

describe.skipIf(!toolchain)("the version echo of an uploaded exe", () => {
  let ws: Workspace;
  let rx: ReceiverProcess;
  beforeAll(async () => {
    ws = createWorkspace();
    rx = await startReceiver(ws.configFile);
  });
  afterAll(async () => {
    await rx?.stop();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });

  async function upload(file: string) {
    const body = readFileSync(file);
    const token = await mint({ op: "upload", sha256: sha256(body) });
    return call(rx.api, "/v1/apps/webdemo/upload", { token, body });
  }
  const warnings = (events: StreamEvent[]) =>
    events.flatMap((e) => (e.type === "log" && e.level === "warn" ? [e.message] : []));

  it("a PE without a version resource: the stream says so", async () => {
    const exe = buildExe(ws.dir, "plain.exe", TARGET, undefined);
    const r = await upload(exe);
    expect(r.result).toMatchObject({ ok: true });
    expect(r.result?.version?.version).toBeUndefined();
    expect(warnings(r.events)).toEqual([
      "updateFile gives no version to echo: it has no resources",
    ]);
  });

  it("a swap of what is staged says it too (the exe cannot run here: rolled back)", async () => {
    const swap = await call(rx.api, "/v1/apps/webdemo/swap", {
      method: "POST",
      token: await mint({ op: "swap" }),
    });
    expect(swap.result).toMatchObject({ ok: false });
    expect(warnings(swap.events)).toContain(
      "updateFile gives no version to echo: it has no resources",
    );
  });

  it("a truncated PE: the stream says where reading stopped", async () => {
    const whole = readFileSync(buildExe(ws.dir, "cut.exe", TARGET, versionOf("1.0.0.1")));
    const cut = join(ws.dir, "cut-short.exe");
    writeFileSync(cut, whole.subarray(0, whole.readUInt32LE(0x3c) + 100));
    const r = await upload(cut);
    expect(r.result).toMatchObject({ ok: true });
    expect(warnings(r.events)).toEqual([
      expect.stringMatching(/^updateFile gives no version to echo: .*lies outside the file/),
    ]);
  });

  it("a PE with a version resource: echoed, and no warning", async () => {
    const r = await upload(buildExe(ws.dir, "versioned.exe", TARGET, versionOf("4.5.6.7")));
    expect(r.result?.version).toMatchObject({ version: "WC Demo 4.5.6.7", fileVersion: "4.5.6.7" });
    expect(warnings(r.events)).toEqual([]);
  });
});

function versionOf(fileVersion: string) {
  return { fileVersion, productVersion: fileVersion, productName: "WC Demo" };
}
