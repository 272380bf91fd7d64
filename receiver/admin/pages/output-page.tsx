import type { AppLogLine } from "../../protocol.js";
import { ADMIN_BASE } from "../admin-env.js";
import { CLIENT_OUTPUT } from "./client-output.js";
import { Layout } from "./layout.js";
import { TableHead, type Column } from "./table-parts.js";

const COLUMNS: Column[] = ["Time", "Server", "Stream", "Line"];

export interface OutputPageProps {
  app: string;
  /** The app's log buffer, oldest first. */
  lines: AppLogLine[];
  csrf: string;
  nonce: string | undefined;
}

// An app's Output view: its servers' recent lines (the buffer GET /v1/apps/{app}/logs
// reads, docs/design.md §7), then, while Follow is on, every new line as it is read,
// from the page's live feed (/admin/events?output=APP). Every line is text: JSX
// escapes it here and the script sets textContent, so no app line becomes markup.
export function OutputPage({ app, lines, csrf, nonce }: OutputPageProps) {
  return (
    <Layout title={`Output of ${app}`} nonce={nonce} csrf={csrf} script={CLIENT_OUTPUT}>
      <div class="panel" data-output-app={app}>
        <p>
          <a href={ADMIN_BASE}>← Dashboard</a>
        </p>
        <h1 class="output-title">
          <span>
            Output of <code>{app}</code>
          </span>
          <span class="grow" />
          <label class="follow">
            <input type="checkbox" data-follow checked /> Follow
          </label>
          <span class="pill" data-follow-state>
            loaded
          </span>
        </h1>
        <p class="muted">
          The newest {lines.length} line(s) its servers printed, oldest first. Control characters
          show as escapes (<code>\x1b</code>).
        </p>
        <table data-table="output" class="output">
          <TableHead columns={COLUMNS} />
          <tbody data-output>
            {lines.map((l) => (
              <tr class={l.stream}>
                <td class="mono">{l.time.slice(11, 23)}</td>
                <td class="mono">#{l.instance}</td>
                <td>{l.stream}</td>
                <td class="mono line">{l.line}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
