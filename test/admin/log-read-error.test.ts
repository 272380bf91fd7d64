// The admin log page: a deploy with no log is a 404; a log that exists but cannot
// be read is a 500 that names the file, never a 404 that hides it.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adminReceiver } from "./admin-http.js";

describe("GET /admin/log/:deployId", () => {
  const scene = adminReceiver();

  const get = (deployId: string) =>
    fetch(`${scene.rx.api}/admin/log/${deployId}`, {
      headers: { cookie: scene.admin.cookie, accept: "application/json" },
    });

  it("is a 404 for a deploy with neither a journal entry nor a log", async () => {
    const res = await get("d-nothing");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "ERR_NO_LOG" } });
  });

  it("is a 500 naming the file when the log cannot be read (EISDIR)", async () => {
    // A folder where the log should be: unreadable even by root.
    const file = join(scene.ws.data, "logs", "d-unreadable.ndjson");
    mkdirSync(file, { recursive: true });
    const res = await get("d-unreadable");
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      error: { code: "ERR_JOURNAL_READ", message: expect.stringContaining(`${file}: EISDIR`) },
    });
  });
});
