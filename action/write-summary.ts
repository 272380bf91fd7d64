import * as core from "@actions/core";
import type { Judgement, ResultEvent, VersionInfo } from "../receiver/protocol.js";
import { answers, bytes, duration, errorShare, percent } from "../api-client/format.js";
import type { Settings } from "./settings.js";

// The job summary is what people look at after the run: which build went live on which
// receiver, how long requests were held, how the build fared under traffic (its canary and
// watch), and a way back to this run. Cells are HTML, so every value the receiver wrote is
// escaped.
export async function writeSummary(settings: Settings, result: ResultEvent): Promise<void> {
  const env = process.env;
  if (!env["GITHUB_STEP_SUMMARY"]) return;
  const runUrl = `${env["GITHUB_SERVER_URL"]}/${env["GITHUB_REPOSITORY"]}/actions/runs/${env["GITHUB_RUN_ID"]}`;
  const rows: [string, string][] = [
    ["app", escape(settings.app)],
    ["operation", settings.operation],
    ["before → after", `${version(result.previous)} → ${version(result.version)}`],
    ...(result.version ? [["size", bytes(result.version.size)] as [string, string]] : []),
    ["hold time", duration(result.holdMs)],
    ["total time", duration(result.durationMs)],
    ...(result.judged ?? []).map(judgement),
    ["receiver", `<a href="${escape(settings.url)}">${escape(settings.url)}</a>`],
    ["run", `<a href="${escape(runUrl)}">${escape(env["GITHUB_RUN_ID"] ?? "")}</a>`],
    ["deploy id", `<code>${escape(result.deployId)}</code>`],
  ];
  if (!result.ok) rows.push(["error", escape(`${result.error.code}: ${result.error.message}`)]);
  await core.summary
    .addHeading(
      `Hotswap ${settings.operation} of ${escape(settings.app)}: ${result.ok ? (result.unchanged ? "already live" : "done") : "failed"}`,
      3,
    )
    .addTable(rows.map(([name, value]) => [{ data: name, header: true }, value]))
    .write();
}

// One row per canary or watch: "passed: 1,204 answers, 3 errors (0.25%) in 60.0 s;
// baseline 0.20%; at most 2% more", so the verdict reads with the numbers behind it.
function judgement(j: Judgement): [string, string] {
  const by = j.by ? ` by ${j.by}` : "";
  const parts = [
    `${j.verdict}${by}: ${answers(j.counts, 2)} in ${duration(j.ms)}`,
    `baseline ${percent(errorShare(j.baseline), 2)}`,
    `at most ${percent(j.maxErrorRate)} more`,
  ];
  if (j.share !== undefined) parts.push(`${percent(j.share)} of clients on the new build`);
  if (j.verdict === "unjudged") parts.push(`${j.minRequests} answers needed to judge`);
  return [escape(j.step), escape(parts.join("; "))];
}

function version(info: VersionInfo | undefined): string {
  if (!info) return "none";
  const sha = `<code>${escape(info.sha256.slice(0, 7))}</code>`;
  return info.version ? `${sha} ${escape(info.version)}` : sha;
}

function escape(text: string | undefined): string {
  return String(text ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
