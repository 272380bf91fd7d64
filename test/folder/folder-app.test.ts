import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppStatus, ResultEvent } from "../../receiver/protocol.js";
import { call, sha256, type CallResult } from "../helpers/api-client.js";
import { startReceiver, type ReceiverProcess } from "../helpers/receiver-process.js";
import { snapshot } from "../helpers/snapshot.js";
import { tarGz } from "../helpers/tar-writer.js";
import { mint } from "../helpers/tokens.js";
import { waitFor } from "../helpers/wait-for.js";
import type { Workspace } from "../helpers/workspace.js";
import { finishLoad } from "../load/finish-load.js";
import { trafficTo } from "../load/traffic.js";
import { archive, archiveOf, buildFolder, folderWorkspace, send } from "./folder-kit.js";

// A folder app (docs/design.md "Folder apps"): a .tar.gz or .zip artifact unpacked into
// dir/releases/<id>/, `current` linked to the live release, each server running
// bin/server from its release folder, which it reads its other files from. Deploys
// under an open-model load, upload then swap, rollback, the same artifact again, and
// archives that are refused with nothing left behind.
const RATE = 100;

describe("a folder app (dir: and exe:)", () => {
  let ws: Workspace & { app: string };
  let rx: ReceiverProcess;
  let dir: string;
  beforeAll(async () => {
    ws = folderWorkspace();
    dir = ws.app;
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  const upload = (op: "deploy" | "upload", body: Buffer) => send(rx, op, body);
  const post = async (op: "swap" | "rollback") =>
    call(rx.api, `/v1/apps/webdemo/${op}`, { token: await mint({ op }), method: "POST" });
  const status = async () =>
    (await call(rx.api, "/v1/apps/webdemo", { token: await mint({ op: "status" }) }))
      .json as AppStatus;
  const live = () => realpathSync(join(dir, "current"));
  const get = async (path = "/") => (await (await fetch(rx.gate() + path)).text()).trim();
  const ok = (r: CallResult) => {
    expect(r.status, JSON.stringify(r.json ?? r.events.slice(-3))).toBe(200);
    expect(r.result, JSON.stringify(r.events.slice(-3))).toMatchObject({ ok: true });
    return r.result as ResultEvent & { ok: true };
  };

  it("deploys a first tar.gz: current links to its release, the servers run in it and read its files", async () => {
    const v1 = archive(ws.dir, "v1", "tar.gz");
    const result = ok(await upload("deploy", v1));
    expect(result.version).toMatchObject({
      sha256: sha256(v1),
      size: v1.length,
      version: "testapp v1",
    });
    const release = live();
    expect(readlinkSync(join(dir, "current"))).toMatch(/^releases\/\d{8}T\d{6}Z-[0-9a-f]{12}$/);
    expect(readFileSync(join(release, "lib", "nested", "deep.txt"), "utf8")).toBe("deep\n");
    expect(readlinkSync(join(release, "lib", "link.txt"))).toBe("data.txt");
    expect(readFileSync(`${release}.json`, "utf8")).toContain(sha256(v1));
    await waitFor(async () => (await get()) === "v1", "v1 through the gate");
    expect(await get("/file")).toBe("data of v1");
    for (const server of (await status()).instances)
      expect(realpathSync(`/proc/${server.pid}/cwd`), "a server's working folder").toBe(release);
    expect(existsSync(join(dir, ".hotswap-upload")), "the upload removed once unpacked").toBe(
      false,
    );
  });

  it("deploys a tar.gz and a zip under load with no failed request", async () => {
    const load = await trafficTo(rx.gate(), { rate: RATE });
    try {
      for (const [version, kind] of [
        ["v2", "tar.gz"],
        ["v3", "zip"],
      ] as const) {
        const body = archive(ws.dir, version, kind);
        expect(ok(await upload("deploy", body)).version).toMatchObject({
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
    await finishLoad(load, `folder deploys (tar.gz, then zip) at ${RATE} rps`);
  });

  it("rolls back to the release before, and the same artifact again is not unpacked twice", async () => {
    const before = (await status()).releases.map((r) => r.id);
    const back = ok(await post("rollback"));
    expect(back.version).toMatchObject({ version: "testapp v2" });
    expect(await get("/file")).toBe("data of v2");
    const v3 = readFileSync(join(ws.dir, "v3.zip"));
    const again = await upload("deploy", v3);
    expect(ok(again).version).toMatchObject({ version: "testapp v3" });
    expect(JSON.stringify(again.events)).toContain(
      "holds this artifact already: not unpacked again",
    );
    expect((await status()).releases.map((r) => r.id).sort()).toEqual(before.sort());
    const unchanged = ok(await upload("deploy", v3));
    expect(unchanged).toMatchObject({ unchanged: true, holdMs: 0 });
  });

  it("uploads, then swaps what it staged", async () => {
    const v4 = archive(ws.dir, "v4", "tar.gz");
    const staged = ok(await upload("upload", v4));
    expect(staged.version).toMatchObject({ sha256: sha256(v4), version: "testapp v4" });
    expect(realpathSync(join(dir, "staged"))).not.toBe(live());
    expect(await get()).toBe("v3");
    expect(ok(await post("swap")).version).toMatchObject({ version: "testapp v4" });
    expect(await get()).toBe("v4");
    expect(existsSync(join(dir, "staged")), "staged moved into current").toBe(false);
  });

  it("keeps keepReleases releases besides the live one, never the live one or the one before", async () => {
    const v5 = archive(ws.dir, "v5", "zip");
    ok(await upload("deploy", v5));
    const folders = readdirSync(join(dir, "releases")).filter((n) => !n.endsWith(".json"));
    const kept = (await status()).releases;
    expect(kept.length).toBeLessThanOrEqual(3);
    expect(folders.length, folders.join(", ")).toBe(kept.length + 1); // and the live one
    expect(folders).toContain(live().split("/").pop());
  });

  it.each<[string, Buffer, number, string]>([
    [
      "an entry that climbs out",
      tarGz([
        { name: "bin/server", data: "#!/bin/sh\n", mode: 0o755 },
        { name: "../escape", data: "x" },
      ]),
      422,
      "ERR_ARCHIVE_ENTRY_PATH",
    ],
    [
      "a symlink out of the release",
      tarGz([
        { name: "bin/server", data: "#!/bin/sh\n", mode: 0o755 },
        { name: "etc", type: "symlink", target: "../../../etc" },
      ]),
      422,
      "ERR_ARCHIVE_LINK",
    ],
    [
      "a device",
      tarGz([
        { name: "bin/server", data: "#!/bin/sh\n" },
        { name: "dev", type: "char" },
      ]),
      422,
      "ERR_ARCHIVE_ENTRY_TYPE",
    ],
    [
      "no bin/server in it",
      tarGz([{ name: "dist/bin/server", data: "#!/bin/sh\n" }]),
      422,
      "ERR_EXE_MISSING",
    ],
    ["not an archive", Buffer.from("just text\n"), 422, "ERR_ARCHIVE_UNKNOWN"],
    [
      "bin/server that is a folder",
      tarGz([
        { name: "bin/server", type: "dir" },
        { name: "bin/server/x", data: "x" },
      ]),
      422,
      "ERR_EXE_MISSING",
    ],
  ])("refuses %s with nothing left behind", async (_, body, code, error) => {
    const before = snapshot(ws.dir);
    const liveBefore = live();
    const r = await upload("deploy", body);
    expect(r.status, JSON.stringify(r.json)).toBe(code);
    expect(r.json).toMatchObject({ error: { code: error } });
    const after = snapshot(ws.dir);
    const changed = Object.keys({ ...before, ...after }).filter(
      (k) => before[k] !== after[k] && !k.startsWith(".hotswap/"),
    );
    expect(changed, "files that changed outside data/").toEqual([]);
    expect(live()).toBe(liveBefore);
    expect(existsSync(join(ws.dir, "escape")) || existsSync(join(dir, "escape"))).toBe(false);
  });
});

describe("a folder app's failed deploy", () => {
  let ws: Workspace & { app: string };
  let rx: ReceiverProcess;
  beforeAll(async () => {
    ws = folderWorkspace();
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());
  const deployBody = (body: Buffer) => send(rx, "deploy", body);

  it("is rolled back, and is never the release a later rollback goes to", async () => {
    for (const v of ["v1", "v2"])
      expect((await deployBody(archive(ws.dir, v, "tar.gz"))).result).toMatchObject({ ok: true });
    const failed = await deployBody(archive(ws.dir, "v3", "tar.gz", { crashAtStart: 3 }));
    expect(failed.result).toMatchObject({
      ok: false,
      rolledBack: true,
      error: { code: "ERR_HEALTH_CHECK" },
    });
    expect((await (await fetch(rx.gate())).text()).trim()).toBe("v2");
    const back = await call(rx.api, "/v1/apps/webdemo/rollback", {
      token: await mint({ op: "rollback" }),
      method: "POST",
    });
    expect(back.result).toMatchObject({ ok: true, version: { version: "testapp v1" } });
  });
});

describe("a folder app with strategy overlap and a beforeSwap hook in its archive", () => {
  let ws: Workspace & { app: string };
  let rx: ReceiverProcess;
  let dir: string;
  beforeAll(async () => {
    ws = folderWorkspace({
      strategy: "overlap",
      hooks: { beforeSwap: [["bin/migrate", "--yes"]] },
    });
    dir = ws.app;
    rx = await startReceiver(ws.configFile);
  });
  afterAll(() => rx?.stop());

  const withHook = (version: string) => {
    const build = buildFolder(ws.dir, version);
    writeFileSync(
      join(build, "bin", "migrate"),
      '#!/bin/sh\necho "migrating in $(pwd) for $HOTSWAP_RELEASE with $1"\ntouch migrated\n',
    );
    chmodSync(join(build, "bin", "migrate"), 0o755);
    return archiveOf(build, join(ws.dir, `${version}-hook.tar.gz`));
  };
  const deployBody = (body: Buffer) => send(rx, "deploy", body);

  it("runs the hook in the new release before the switch, and switches with no failed request", async () => {
    const first = await deployBody(withHook("v1"));
    expect(first.result, JSON.stringify(first.events.slice(-3))).toMatchObject({ ok: true });
    const load = await trafficTo(rx.gate(), { rate: RATE });
    try {
      const r = await deployBody(withHook("v2"));
      expect(r.result).toMatchObject({ ok: true, holdMs: 0, version: { version: "testapp v2" } });
      const release = realpathSync(join(dir, "current"));
      const lines = r.events
        .filter((e) => e.type === "log")
        .map((e) => e.type === "log" && e.message);
      expect(lines).toContain(`beforeSwap: migrating in ${release} for ${release} with --yes`);
      expect(existsSync(join(release, "migrated"))).toBe(true);
      const steps = r.events
        .filter((e) => e.type === "step")
        .map((e) => e.type === "step" && e.step);
      expect(steps.indexOf("beforeSwap")).toBeLessThan(steps.indexOf("start"));
      const seen = load.samples.length;
      await waitFor(
        () => load.samples.slice(seen).some((s) => s.version === "v2"),
        "answers from v2",
      );
    } finally {
      await load.stop();
    }
    await finishLoad(load, `folder app, strategy overlap, at ${RATE} rps`);
  });
});
