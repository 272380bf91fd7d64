import type { ServerStatus } from "../../protocol.js";
import { uptime, when } from "../../http/pages/format.js";

// The app's server processes as the pool sees them, one row per instance.
export function ServersTable({ servers }: { servers: ServerStatus[] }) {
  const now = Date.now();
  return (
    <table data-table="servers">
      <thead>
        <tr>
          <th>#</th>
          <th class="num">PID</th>
          <th class="num">Port</th>
          <th>State</th>
          <th class="num">Uptime</th>
          <th class="num">Restarts</th>
          <th>Last health check</th>
        </tr>
      </thead>
      <tbody>
        {servers.length === 0 && (
          <tr>
            <td class="empty" colspan={7}>
              No servers are running.
            </td>
          </tr>
        )}
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
