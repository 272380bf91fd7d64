import type { JournalEntry, VersionInfo } from "../../protocol.js";
import { ADMIN_BASE } from "../admin-env.js";
import { duration, shortSha, when } from "../../http/pages/format.js";
import { countsText } from "../../watch/watch-text.js";
import { judgementText } from "./watch-format.js";
import { EmptyRow, TableHead, type Column } from "./table-parts.js";

const COLUMNS: Column[] = [
  "When",
  "Operation",
  "By",
  "Version",
  { num: "Hold" },
  { num: "Duration" },
  "Outcome",
  "",
];

const label = (v: VersionInfo | undefined) => (v ? (v.version ?? shortSha(v.sha256)) : "");

// Who did what, when, how long requests were held and how it ended (with the canary
// and watch that judged it): one row per deploy from the journal, each opening its
// full log.
export function HistoryTable({ entries }: { entries: JournalEntry[] }) {
  return (
    <table data-table="history">
      <TableHead columns={COLUMNS} />
      <tbody>
        {entries.length === 0 && <EmptyRow columns={COLUMNS} text="Nothing in the journal yet." />}
        {entries.map((e) => (
          <tr data-deploy={e.deployId} data-op={e.op} data-outcome={e.outcome}>
            <td>{when(e.at)}</td>
            <td>{e.op}</td>
            <td>
              <Who who={e.who} />
            </td>
            <td>
              <Change entry={e} />
            </td>
            <td class="num">{duration(e.holdMs)}</td>
            <td class="num">{duration(e.durationMs)}</td>
            <td>
              <span class={`pill ${e.outcome}`} title={e.error?.message ?? e.message}>
                {e.outcome}
              </span>
              <Judged entry={e} />
              <Reason entry={e} />
            </td>
            <td class="num">
              <a href={`${ADMIN_BASE}/log/${encodeURIComponent(e.deployId)}`}>log</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Change({ entry: e }: { entry: JournalEntry }) {
  if (e.op === "upload") return <>staged {label(e.after)}</>;
  // A build that did not go live: it first, struck out, then what serves instead.
  if (e.tried && (e.outcome === "failed" || e.outcome === "rolled-back")) {
    const serves = e.after && e.after.sha256 !== e.tried.sha256 ? label(e.after) : undefined;
    return (
      <>
        <del data-tried>{label(e.tried)}</del>
        {serves && <span class="muted">{` · ${label(e.after)} serves`}</span>}
      </>
    );
  }
  if (e.before && e.after && e.before.sha256 !== e.after.sha256)
    return <>{`${label(e.before)} → ${label(e.after)}`}</>;
  return <>{label(e.after ?? e.before)}</>;
}

// Which step judged the build and how, with the new build's counts; the baseline's
// on hover. A rolled-back entry's error stays on its outcome.
function Judged({ entry: e }: { entry: JournalEntry }) {
  if (!e.judged?.length) return <></>;
  return (
    <>
      {e.judged.map((j) => (
        <span
          class={`judged ${j.verdict}`}
          data-judged={j.step}
          title={`baseline: ${countsText(j.baseline)}`}
        >
          {judgementText(j)}
        </span>
      ))}
    </>
  );
}

/** Characters of a failure's reason the row shows; the whole of it on hover and in the log. */
const REASON_CHARS = 140;

// Why it failed, in the row: a rollback must not need its log opened to be understood.
function Reason({ entry: e }: { entry: JournalEntry }) {
  if (e.outcome !== "failed" && e.outcome !== "rolled-back" && e.outcome !== "interrupted")
    return <></>;
  const why = e.error?.message ?? e.message;
  if (!why) return <></>;
  const short = why.length > REASON_CHARS ? `${why.slice(0, REASON_CHARS - 1)}…` : why;
  return (
    <span class="reason" data-reason title={why}>
      {short}
    </span>
  );
}

function Who({ who }: { who: JournalEntry["who"] }) {
  if (!who) return <span class="muted">receiver</span>;
  const name = who.admin ? "admin" : (who.actor ?? who.keyId ?? "—");
  const where = who.repository && `${who.repository}${who.ref ? `@${who.ref}` : ""}`;
  return (
    <>
      {name}
      {where && <span class="muted"> · {where}</span>}
    </>
  );
}
