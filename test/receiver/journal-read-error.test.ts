// A real receiver whose journal cannot be read: the status API and the admin log
// page answer 500 naming the file. Only a journal that is not there is "no
// entries"; an unreadable one must never read as "nothing happened" (or a 404).
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { adminReceiver } from "../admin/admin-http.js";
import { call } from "../helpers/api-client.js";
import { mint } from "../helpers/tokens.js";

describe("a receiver whose journal has become unreadable", () => {
  const scene = adminReceiver();
  let file: string;
  beforeAll(() => {
    // A folder in the journal's place: EISDIR even for root (chmod 000 is not).
    file = join(scene.ws.data, "journal.jsonl");
    renameSync(file, `${file}.moved`);
    mkdirSync(file);
  });

  const unreadable = () => ({
    error: {
      code: "ERR_JOURNAL_READ",
      message: expect.stringContaining(`cannot read the journal ${file}: EISDIR`) as unknown,
    },
  });

  it("answers the status call 500 naming the journal", async () => {
    const res = await call(scene.rx.api, "/v1/apps/webdemo", {
      token: await mint({ op: "status" }),
    });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject(unreadable());
  });

  it("answers the admin log page 500 naming the journal, not 404", async () => {
    const res = await fetch(`${scene.rx.api}/admin/log/d-1`, {
      headers: { cookie: scene.admin.cookie, accept: "application/json" },
      redirect: "manual",
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject(unreadable());
  });
});
