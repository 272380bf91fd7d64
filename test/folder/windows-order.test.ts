// A folder app swapped the Windows way by a real receiver on Linux:
// HOTSWAP_FAULT=win32-locked@0 makes it link releases as junctions are linked
// (absolute targets) and refuse every rename over a link with EPERM, as Windows
// refuses to rename over a directory junction. Deploys under load with both
// strategies, upload then swap, rollback: each must take the order that never renames
// over current or staged (aside, then in), with no failed request and nothing left aside.
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultEvent } from "../../receiver/protocol.js";
import { call, sha256, type CallResult } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { finishLoad } from "../load/finish-load.js";
import { trafficTo } from "../load/traffic.js";
import { archive, folderWorkspace, send } from "./folder-kit.js";

const RATE = 100;

describe.each(["hold", "overlap"] as const)(
  "a folder app in the Windows order, strategy %s",
  (strategy) => {
    let ws: Workspace & { app: string };
    let rx: ReceiverProcess;
    beforeAll(async () => {
      ws = folderWorkspace({ strategy });
      rx = await startReceiver(ws.configFile, { HOTSWAP_FAULT: "win32-locked@0" });
    });
    afterAll(() => rx?.stop());

    const current = () => join(ws.app, "current");
    const get = async (path = "/") => (await (await fetch(rx.gate() + path)).text()).trim();
    const post = async (op: "swap" | "rollback") =>
      call(rx.api, `/v1/apps/webdemo/${op}`, { token: await mint({ op }), method: "POST" });
    const ok = (r: CallResult) => {
      expect(r.status, JSON.stringify(r.json ?? r.events.slice(-3))).toBe(200);
      expect(r.result, JSON.stringify(r.events.slice(-3))).toMatchObject({ ok: true });
      return r.result as ResultEvent & { ok: true };
    };
    // Nothing renamed aside or half-linked is left beside current.
    const leftovers = () =>
      readdirSync(ws.app).filter((n) => n.includes(".hotswap-") || n.endsWith(".tmp"));

    it("deploys a tar.gz, then a zip under load, with no failed request", async () => {
      ok(await send(rx, "deploy", archive(ws.dir, "v1", "tar.gz")));
      await waitFor(async () => (await get()) === "v1", "v1 through the gate");
      expect(isAbsolute(readlinkSync(current())), "current links as a junction does").toBe(true);
      const load = await trafficTo(rx.gate(), { rate: RATE });
      try {
        for (const [version, kind] of [
          ["v2", "tar.gz"],
          ["v3", "zip"],
        ] as const) {
          const body = archive(ws.dir, version, kind);
          expect(ok(await send(rx, "deploy", body)).version).toMatchObject({
            sha256: sha256(body),
            version: `testapp ${version}`,
          });
          const seen = load.samples.length;
          await waitFor(
            () => load.samples.slice(seen).some((s) => s.version === version),
            `answers from ${version}`,
          );
          expect(await get("/file")).toBe(`data of ${version}`);
        }
      } finally {
        await load.stop();
      }
      await finishLoad(load, `folder deploys in the Windows order (${strategy}) at ${RATE} rps`);
      expect(leftovers()).toEqual([]);
    });

    it("uploads twice (staged replaced, not renamed over), swaps, and rolls back", async () => {
      ok(await send(rx, "upload", archive(ws.dir, "v4", "tar.gz")));
      const v5 = archive(ws.dir, "v5", "zip");
      ok(await send(rx, "upload", v5));
      const staged = realpathSync(join(ws.app, "staged"));
      expect(JSON.parse(readFileSync(`${staged}.json`, "utf8"))).toMatchObject({
        sha256: sha256(v5),
      });
      expect(ok(await post("swap")).version).toMatchObject({ version: "testapp v5" });
      expect(realpathSync(current())).toBe(staged);
      expect(existsSync(join(ws.app, "staged"))).toBe(false);
      expect(await get("/file")).toBe("data of v5");
      expect(ok(await post("rollback")).version).toMatchObject({ version: "testapp v3" });
      expect(await get("/file")).toBe("data of v3");
      expect(isAbsolute(readlinkSync(current()))).toBe(true);
      expect(leftovers()).toEqual([]);
    });
  },
);
