import { access, rename, rm } from "node:fs/promises";
import type { Journal } from "../journal/journal.js";
import type { ReleaseInfo } from "../protocol.js";
import { versionInfo } from "../version/version-info.js";
import type { Releases } from "./releases.js";
import { incomingPath } from "./beside-exe.js";
import { asidePath } from "./replace-exe.js";
import { restoreRelease, restorePath } from "./restore-release.js";
import type { SwapRecordFile } from "./swap-record.js";

export interface Recovery {
  /** The release to fall back to if the exe now in place fails to start. */
  fallback?: ReleaseInfo;
  message: string;
}

// A receiver that died mid-swap left a swap record. Make exeFile whole again
// (the Windows order can leave it renamed aside; a restore can leave a temp
// copy), say in the journal what happened, and tell the caller what to fall
// back to if the file now in place does not start.
export async function recover(
  app: string,
  exeFile: string,
  record: SwapRecordFile,
  releases: Releases,
  journal: Journal,
): Promise<Recovery | undefined> {
  const rec = record.read();
  if (!rec) return undefined;
  // Died after journaling the outcome but before clearing the record: nothing was cut short.
  const ended = (await journal.recent(app, 50)).find(
    (e) => e.deployId === rec.deployId && e.outcome !== "started",
  );
  if (ended) {
    record.clear();
    return undefined;
  }
  const exists = (p: string) =>
    access(p).then(
      () => true,
      () => false,
    );
  const kept = rec.kept ? await releases.find(rec.kept) : undefined;
  if (!(await exists(exeFile))) {
    if (await exists(asidePath(exeFile))) await rename(asidePath(exeFile), exeFile);
    else if (kept) await restoreRelease(releases, kept, exeFile);
  }
  await rm(restorePath(exeFile), { force: true });
  await rm(incomingPath(exeFile), { force: true });
  const now = await versionInfo(exeFile);
  const which = !now
    ? "missing"
    : now.sha256 === rec.newSha256
      ? "the new file"
      : now.sha256 === rec.oldSha256
        ? "the old file"
        : "an unknown file";
  const message = `the receiver stopped during "${rec.phase}" of ${rec.op} ${rec.deployId}; exeFile is ${which}${now ? ` (${now.sha256.slice(0, 12)})` : ""}`;
  await journal.append({
    deployId: rec.deployId,
    app,
    op: "recover",
    outcome: "interrupted",
    at: new Date().toISOString(),
    after: now ?? undefined,
    message,
  });
  record.clear();
  return { fallback: now?.sha256 === rec.newSha256 ? kept : undefined, message };
}
