import type { JournalEntry, StreamEvent } from "../../protocol.js";
import { ADMIN_BASE } from "../admin-env.js";
import { duration, when } from "../../http/pages/format.js";
import { Layout } from "./layout.js";
import { EmptyRow, TableHead, type Column } from "./table-parts.js";

const COLUMNS: Column[] = ["Time", "Event", "State", { num: "ms" }, "Message"];

export type LoggedEvent = StreamEvent & { at?: string };

export interface LogPageProps {
  deployId: string;
  /** Its journal entries, newest first. */
  entries: JournalEntry[];
  events: LoggedEvent[];
  csrf: string;
  nonce: string | undefined;
}

// One deploy's full log, as its workflow log showed it: every step with its
// time, every message, and the result.
export function LogPage({ deployId, entries, events, csrf, nonce }: LogPageProps) {
  const last = entries[0];
  const output = events.flatMap((e) => (e.type === "result" && !e.ok ? (e.output ?? []) : []));
  return (
    <Layout title={`Log ${deployId}`} nonce={nonce} csrf={csrf}>
      <div class="panel">
        <p>
          <a href={ADMIN_BASE}>← Dashboard</a>
        </p>
        <h1>
          {last ? `${last.op} of ${last.app}` : "Operation"} <code>{deployId}</code>{" "}
          {last && <span class={`pill ${last.outcome}`}>{last.outcome}</span>}
        </h1>
        {last && (
          <dl class="facts">
            <dt>At</dt>
            <dd>{when(last.at)}</dd>
            <dt>By</dt>
            <dd>{last.who?.admin ? "admin" : (last.who?.actor ?? last.who?.keyId ?? "—")}</dd>
            <Source who={last.who} />
            <dt>Hold</dt>
            <dd>{duration(last.holdMs)}</dd>
            <dt>Duration</dt>
            <dd>{duration(last.durationMs)}</dd>
            {last.error && <dt>Error</dt>}
            {last.error && <dd>{last.error.message}</dd>}
          </dl>
        )}
        <h3>Events</h3>
        <table data-table="log">
          <TableHead columns={COLUMNS} />
          <tbody>
            {events.length === 0 && (
              <EmptyRow columns={COLUMNS} text="No events were logged for this entry." />
            )}
            {events.map((e) => (
              <EventRow event={e} />
            ))}
          </tbody>
        </table>
        {output.length > 0 && <pre class="output">{output.join("\n")}</pre>}
      </div>
    </Layout>
  );
}

// Checked before they become links: the token's claims are the sender's words.
const REPOSITORY = /^[\w.-]+\/[\w.-]+$/;
const COMMIT = /^[0-9a-f]{7,40}$/i;
const RUN = /^\d{1,20}$/;

// Where a deploy came from: the repository and ref, the commit and the workflow run
// (on github.com), as the token named them.
function Source({ who }: { who: JournalEntry["who"] }) {
  if (!who?.repository) return <></>;
  const repo = REPOSITORY.test(who.repository) ? `https://github.com/${who.repository}` : undefined;
  const sha = who.sha;
  return (
    <>
      <dt>Repository</dt>
      <dd data-source="repository">
        {repo ? <a href={repo}>{who.repository}</a> : who.repository}
        {who.ref && <span class="muted">{` @ ${who.ref}`}</span>}
      </dd>
      {sha && <dt>Commit</dt>}
      {sha && (
        <dd data-source="commit" class="mono">
          {repo && COMMIT.test(sha) ? (
            <a href={`${repo}/commit/${sha}`}>{sha.slice(0, 12)}</a>
          ) : (
            sha
          )}
        </dd>
      )}
      {who.run_id && <dt>Run</dt>}
      {who.run_id && (
        <dd data-source="run">
          {repo && RUN.test(who.run_id) ? (
            <a href={`${repo}/actions/runs/${who.run_id}`}>{`run ${who.run_id}`}</a>
          ) : (
            who.run_id
          )}
          {who.workflow && <span class="muted">{` · ${who.workflow}`}</span>}
        </dd>
      )}
    </>
  );
}

function EventRow({ event: e }: { event: LoggedEvent }) {
  const cells =
    e.type === "step"
      ? [e.step, e.state, e.ms, e.message]
      : e.type === "log"
        ? ["log", e.level, undefined, e.message]
        : e.type === "progress"
          ? ["progress", "", undefined, `${e.received} of ${e.total} bytes`]
          : e.type === "result"
            ? [
                "result",
                e.ok ? "ok" : e.rolledBack ? "rolled-back" : "failed",
                e.durationMs,
                e.ok ? e.version.version : e.error.message,
              ]
            : ["heartbeat", "", undefined, ""];
  const [name, state, ms, message] = cells;
  return (
    <tr>
      <td class="mono time">{when(e.at)}</td>
      <td>{name}</td>
      <td>{state && <span class={`pill ${state === "done" ? "ok" : state}`}>{state}</span>}</td>
      <td class="num">{ms}</td>
      <td>{message}</td>
    </tr>
  );
}
