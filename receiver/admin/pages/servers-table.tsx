import type { ServerStatus } from "../../protocol.js";
import { uptime, when } from "../../http/pages/format.js";
import { EmptyRow, TableHead, type Column } from "./table-parts.js";

const COLUMNS: Column[] = [
  "#",
  { num: "PID" },
  { num: "Port" },
  "State",
  { num: "Uptime" },
  { num: "Restarts" },
  "Last health check",
];

// The app's server processes as the pool sees them, one row per instance.
export function ServersTable({ servers }: { servers: ServerStatus[] }) {
  const now = Date.now();
  return (
    <table data-table="servers">
      <TableHead columns={COLUMNS} />
      <tbody>
        {servers.length === 0 && <EmptyRow columns={COLUMNS} text="No servers are running." />}
        {servers.map((s) => (
          <tr>
            <td>{s.instance}</td>
            <td class="num mono">{s.pid ?? "—"}</td>
            <td class="num mono">{s.port}</td>
            <td>
              <span class={`pill ${s.state}`}>{s.state}</span>
            </td>
            <td class="num">{s.state === "healthy" ? uptime(s.startedAt, now) : "—"}</td>
            <td class="num">{s.restarts}</td>
            <td>
              {s.lastHealth ? (
                <span title={when(s.lastHealth.at)}>
                  <span class={`dot ${s.lastHealth.ok ? "ok" : "bad"}`} />
                  {s.lastHealth.message}
                </span>
              ) : (
                <span class="muted">—</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
