import type { AppView } from "./app-view.js";
import { bytes, shortSha, when } from "../../http/pages/format.js";
import { PostButton } from "./post-button.js";
import { EmptyRow, TableHead, type Column } from "./table-parts.js";

const COLUMNS: Column[] = ["Release", "Version", "SHA-256", { num: "Size" }, "Kept", ""];

// The kept copies of earlier exeFiles, newest first; any one that is not live
// can be swapped back in.
export function ReleasesTable({ view, csrf, base }: { view: AppView; csrf: string; base: string }) {
  const live = view.current?.sha256;
  return (
    <table data-table="releases">
      <TableHead columns={COLUMNS} />
      <tbody>
        {view.releases.length === 0 && (
          <EmptyRow
            columns={COLUMNS}
            text="No release kept yet: the first swap keeps the file it replaces."
          />
        )}
        {view.releases.map((r) => (
          <tr data-release={r.id}>
            <td class="mono">{r.id}</td>
            <td>{r.version ?? "—"}</td>
            <td>
              <code title={r.sha256}>{shortSha(r.sha256)}</code>
            </td>
            <td class="num">{bytes(r.size)}</td>
            <td>{when(r.keptAt)}</td>
            <td class="num">
              {r.sha256 === live ? (
                <span class="pill ok">live</span>
              ) : (
                <PostButton
                  action={`${base}/rollback`}
                  csrf={csrf}
                  fields={{ to: r.id }}
                  label="Roll back"
                  kind="danger"
                  small
                  disabled={view.busyWith !== undefined}
                  title={`Swap ${r.version ?? r.id} back in`}
                />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
