import { duration, bytes } from "../api-client/format.js";
import type { AppStatus, JournalEntry, VersionInfo } from "../receiver/protocol.js";
import { readJson } from "./read-json.js";
import type { CommandRun } from "./command-run.js";
import { escapeControls } from "./terminal.js";

// `hotswap status` and `hotswap history`: GET /v1/apps/{app}, shown as a few lines a person
// reads at a glance, or the JSON as it came with --json.
export async function status(run: CommandRun): Promise<void> {
  const { settings, out, stdout } = run;
  const { json, text } = await readJson<AppStatus>(run, "", "status");
  if (settings.json && settings.command === "status") return void stdout.write(`${text.trim()}\n`);
  const history = json.recent.slice(0, settings.limit);
  if (settings.command === "history") {
    if (settings.json) return void stdout.write(`${JSON.stringify(history)}\n`);
    if (history.length === 0) return out.info(`${json.app}: nothing in the journal yet`);
    return out.untrusted(history.map(entryLine).join("\n"));
  }
  const lines = [
    `${json.app} on ${settings.url}`,
    `live:      ${version(json.current)}`,
    `staged:    ${version(json.staged)}`,
    `hold:      ${json.hold.held ? "held" : "off"} (${json.hold.queued} queued, ${json.hold.inflight} in flight)${json.busy ? ", an operation is running" : ""}`,
  ];
  if (json.unavailable) lines.push(`UNAVAILABLE: ${json.unavailable}`);
  for (const s of json.instances)
    lines.push(
      `server #${s.instance}: ${s.state}${s.pid ? `, pid ${s.pid}` : ""}, port ${s.port}, ${s.restarts} restarts`,
    );
  if (json.watch)
    lines.push(
      `watch:     ${json.watch.step} of ${json.watch.deployId}, ${Math.round(json.watch.elapsedMs / 1000)}/${Math.round(json.watch.forMs / 1000)} s`,
    );
  lines.push(json.releases.length ? "releases kept (newest first):" : "releases kept: none");
  for (const r of json.releases) lines.push(`  ${r.id}  ${version(r)}  kept ${r.keptAt}`);
  out.untrusted(lines.join("\n"));
}

function version(v: VersionInfo | null | undefined): string {
  if (!v) return "none";
  const name = v.version ? ` ${v.version}` : "";
  return `${v.sha256.slice(0, 12)}${name}, ${bytes(v.size)}, written ${v.mtime}`;
}

// "2024-05-01T10:00:00Z  deploy    ok           d-…  1a2b3c4 → 5d6e7f8  held 12 ms, 3.4 s  by octocat"
function entryLine(e: JournalEntry): string {
  const sha = (v?: VersionInfo) => (v ? v.sha256.slice(0, 7) : "none");
  const parts = [e.at, e.op.padEnd(8), e.outcome.padEnd(11), e.deployId];
  if (e.before || e.after) parts.push(`${sha(e.before)} → ${sha(e.after)}`);
  if (e.holdMs !== undefined || e.durationMs !== undefined)
    parts.push(`held ${duration(e.holdMs ?? 0)}, ${duration(e.durationMs ?? 0)}`);
  const who = e.who?.actor ?? e.who?.keyId ?? (e.who?.admin ? "admin page" : undefined);
  if (who) parts.push(`by ${who}`);
  if (e.error) parts.push(`${e.error.code}: ${e.error.message}`);
  return escapeControls(parts.join("  "));
}
