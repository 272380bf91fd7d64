import { access, rename, rm } from "node:fs/promises";
import type { Journal } from "../journal/journal.js";
import type { JournalEntry, ReleaseInfo, VersionInfo } from "../protocol.js";
import { versionInfo } from "../version/version-info.js";
import {
  asidePath,
  incomingPath,
  moveLink,
  removeLink,
  restorePath,
  restoreRelease,
  type ReplaceOptions,
} from "./exe-file.js";
import type { Releases } from "./releases.js";
import type { SwapRecordFile } from "./swap-record.js";

export interface Recovery {
  /** The release to fall back to if the exe now in place fails to start. */
  fallback?: ReleaseInfo;
  message: string;
}

// A receiver that died mid-swap left a swap record. Make exeFile whole again
// (the Windows order can leave it renamed aside, a folder app's `current` junction
// as much as an exe; a restore can leave a temp copy or link), say in the journal
// what happened, and tell the caller what to fall back to if the file now in place
// does not start. `replace` is the swap's own: the Windows order's tests pass win32.
export async function recover(
  app: string,
  exeFile: string,
  record: SwapRecordFile,
  releases: Releases,
  journal: Journal,
  replace?: ReplaceOptions,
): Promise<Recovery | undefined> {
  const read = record.read();
  if (read.state === "none") return undefined;
  if (read.state === "damaged")
    return recoverDamaged(app, exeFile, read.reason, record, releases, journal, replace);
  const rec = read.record;
  // Died after journaling the outcome but before clearing the record: nothing was cut short.
  const lines = (await journal.recent(app, 50)).filter((e) => e.deployId === rec.deployId);
  const ended = lines.find((e) => e.outcome !== "started");
  const op = rec.op;
  if (ended) {
    record.clear();
    return undefined;
  }
  const kept = rec.kept ? await releases.find(rec.kept) : undefined;
  // Missing, or a link to a removed release: what is in the way is replaced.
  if (!(await exists(exeFile))) {
    if (await exists(asidePath(exeFile))) await putAsideBack(exeFile, releases, replace);
    else if (kept) await restoreRelease(releases, kept, exeFile, replace);
  }
  await removeTempCopies(exeFile, releases);
  const now = await versionInfo(exeFile);
  const which = !now
    ? "missing"
    : now.sha256 === rec.newSha256 && now.sha256 === rec.oldSha256
      ? "unchanged"
      : now.sha256 === rec.newSha256
        ? "the new file"
        : now.sha256 === rec.oldSha256
          ? "the old file"
          : "an unknown file";
  const message = `the receiver stopped during "${rec.phase}" of ${op} ${rec.deployId}; exeFile is ${which}${now ? ` (${now.sha256.slice(0, 12)})` : ""}`;
  await journalRecovery(journal, app, rec.deployId, now, message);
  record.clear();
  return { fallback: now?.sha256 === rec.newSha256 ? kept : undefined, message };
}

// A swap record that cannot be read still means a swap was cut short, but not
// which one or where. Trust only what a digest proves: exeFile stays if it is
// the interrupted deploy's new file (the journal's "started" line says which)
// or a kept release; else the aside file goes back if it is one of those; else
// the release kept last goes in. The record is set aside, not deleted.
async function recoverDamaged(
  app: string,
  exeFile: string,
  reason: string,
  record: SwapRecordFile,
  releases: Releases,
  journal: Journal,
  replace?: ReplaceOptions,
): Promise<Recovery> {
  const cut = (await journal.recent(app, 50)).find((e) => e.op !== "hold" && e.op !== "release");
  const started = cut?.outcome === "started" ? cut : undefined;
  // A folder app's live release is not among the kept ones, but is whole all the same.
  const all = await releases.whole();
  const newSha256 = started?.after?.sha256;
  const whole = (v: VersionInfo | null): v is VersionInfo =>
    !!v && (v.sha256 === newSha256 || all.some((r) => r.sha256 === v.sha256));
  const kept = all.find((r) => r.sha256 === started?.before?.sha256) ?? all[0];
  let action = "kept it";
  if (!whole(await versionInfo(exeFile))) {
    if (whole(await versionInfo(asidePath(exeFile)))) {
      await putAsideBack(exeFile, releases, replace);
      action = "put the aside file back";
    } else if (kept) {
      await restoreRelease(releases, kept, exeFile, replace);
      action = `restored release ${kept.id}`;
    } else action = "had nothing whole to put in its place";
  }
  await removeTempCopies(exeFile, releases);
  const now = await versionInfo(exeFile);
  const which = !now
    ? "missing"
    : now.sha256 === newSha256
      ? "the new file"
      : whole(now)
        ? "a kept release"
        : "an unknown file";
  let setAside: string;
  try {
    setAside = `set aside as ${record.setAside()}`;
  } catch (error) {
    setAside = `could not be set aside (${(error as Error).message}): remove it, or the next swap fails`;
  }
  const message = `the receiver stopped during a swap whose record is damaged (${reason}); ${
    started ? `${started.op} ${started.deployId} was under way; ` : ""
  }recovery ${action}: exeFile is ${which}${now ? ` (${now.sha256.slice(0, 12)})` : ""}; the record ${setAside}`;
  await journalRecovery(journal, app, started?.deployId ?? `recover-${Date.now()}`, now, message);
  const fallback = now && now.sha256 === newSha256 && kept?.sha256 !== newSha256 ? kept : undefined;
  return { fallback, message };
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

// The Windows order's aside file or link back into exeFile. A folder app's is a link,
// moved the way links are (Windows renames nothing over a junction); a file is renamed.
async function putAsideBack(exeFile: string, releases: Releases, replace?: ReplaceOptions) {
  if (releases.folder) await moveLink(asidePath(exeFile), exeFile, replace);
  else await rename(asidePath(exeFile), exeFile);
}

async function removeTempCopies(exeFile: string, releases: Releases): Promise<void> {
  // A folder app's restore link is removed as a link: never what it points at.
  if (releases.folder) await removeLink(restorePath(exeFile));
  else await rm(restorePath(exeFile), { force: true });
  await rm(incomingPath(exeFile), { force: true });
}

function journalRecovery(
  journal: Journal,
  app: string,
  deployId: string,
  now: VersionInfo | null,
  message: string,
): Promise<void> {
  const entry: JournalEntry = {
    deployId,
    app,
    op: "recover",
    outcome: "interrupted",
    at: new Date().toISOString(),
    after: now ?? undefined,
    message,
  };
  return journal.append(entry);
}
