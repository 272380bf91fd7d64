// cleanStaging at start: only a missing folder is "nothing to clean"; what it
// cannot read or remove is reported, and only what it removed is counted.
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanStaging } from "../../receiver/staging/clean-staging.js";
import { STAGING_TMP } from "../../receiver/staging/write-staged.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hotswap-clean-staging-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("cleanStaging", () => {
  it("reports a folder it cannot read (a file: ENOTDIR) instead of cleaning nothing", async () => {
    await writeFile(join(dir, "deploy"), "a file where the folder should be");
    await expect(cleanStaging(join(dir, "deploy", "webdemo_update"))).rejects.toThrow(
      /cannot read updateFile's folder .*ENOTDIR/,
    );
  });

  it("logs a temp file it cannot remove and does not count it", async () => {
    const stuck = `${STAGING_TMP}webdemo_update-0123456789ab`;
    const gone = `${STAGING_TMP}webdemo_update-ffffffffffff`;
    // A folder cannot be unlinked (EISDIR), even by root.
    await mkdir(join(dir, stuck, "inside"), { recursive: true });
    await writeFile(join(dir, gone), "half an upload");
    const logged: string[] = [];
    const removed = await cleanStaging(join(dir, "webdemo_update"), (level, message) =>
      logged.push(`${level} ${message}`),
    );
    expect(removed).toBe(1);
    expect(await readdir(dir)).toEqual([stuck]);
    expect(logged).toEqual([expect.stringMatching(`^warn could not remove .*${stuck}`)]);
  });
});
