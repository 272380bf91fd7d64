import { ADMIN_BASE } from "../admin-env.js";
import type { AppView } from "./app-view.js";
import { GateCard } from "./gate-card.js";
import { HistoryTable } from "./history-table.js";
import { PostButton } from "./post-button.js";
import { ReleasesTable } from "./releases-table.js";
import { ServersTable } from "./servers-table.js";
import { VersionCard } from "./version-card.js";
import { WatchCard } from "./watch-card.js";

// An app's state as it is now: a deploy being judged by traffic, what is live, what
// is staged, the gate, the servers, the kept releases and the history, each with its
// actions beside it.
export function AppPanel({ view, csrf }: { view: AppView; csrf: string }) {
  const base = `${ADMIN_BASE}/apps/${encodeURIComponent(view.app)}`;
  const busy = view.busyWith !== undefined;
  return (
    <>
      {view.watch && <WatchCard watch={view.watch} csrf={csrf} base={base} />}
      <div class="cards">
        <VersionCard
          kind="live-version"
          label="Live version"
          version={view.current}
          empty="No exeFile yet: deploy a first version."
        />
        <VersionCard
          kind="staged"
          label="Staged update"
          version={view.staged}
          empty="Nothing staged. Upload a build to updateFile, then hotswap it."
        >
          {view.staged && (
            <div class="actions">
              <PostButton
                action={`${base}/swap`}
                csrf={csrf}
                label="Hotswap"
                kind="primary"
                disabled={busy}
                title="Swap the staged file in: hold, unload, swap, reload, release"
              />
            </div>
          )}
        </VersionCard>
        <GateCard view={view} csrf={csrf} base={base} />
      </div>
      <h3>
        Servers
        <span class="grow" />
        <a class="btn small" href={`${base}/output`} data-link="output">
          Output
        </a>
        <PostButton
          action={`${base}/restart`}
          csrf={csrf}
          label="Restart servers"
          small
          disabled={busy}
        />
      </h3>
      <ServersTable servers={view.instances} />
      <h3>Kept releases</h3>
      <ReleasesTable view={view} csrf={csrf} base={base} />
      <h3>History</h3>
      <HistoryTable entries={view.history} />
    </>
  );
}
