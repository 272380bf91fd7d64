import type { ReloadResult } from "../../lifecycle/reload.js";
import { ADMIN_BASE } from "../admin-env.js";
import { AppSection } from "./app-section.js";
import type { AppView } from "./app-view.js";
import { Layout } from "./layout.js";

export interface DashboardPageProps {
  views: AppView[];
  csrf: string;
  nonce: string | undefined;
  /** The config file, which the Reload button reads again. */
  configFile: string;
  lastReload?: ReloadResult & { at: string };
  /** This receiver's process: an upgrade changes its pid (and, with a new file, its version). */
  process: { pid: number; version: string; since: string };
}

// The Module Administration page: every app with its state and its actions.
export function DashboardPage(props: DashboardPageProps) {
  const { views, csrf, nonce } = props;
  return (
    <Layout title="Dashboard" nonce={nonce} csrf={csrf} script>
      <RunningBanner views={views} />
      <ReloadPanel {...props} />
      {views.length === 0 && <p class="panel">No apps are configured on this receiver.</p>}
      {views.map((view) => (
        <AppSection view={view} csrf={csrf} />
      ))}
    </Layout>
  );
}

// Every operation running now, named at the top of the page (and kept in view as it
// scrolls): the page script (client-live.ts) adds, updates and ends its lines.
function RunningBanner({ views }: { views: AppView[] }) {
  const running = views.filter((v) => v.busyWith !== undefined);
  return (
    <div class="banner" data-banner hidden={running.length === 0} role="status" aria-live="polite">
      {running.map((v) => (
        <div class="banner-line" data-app={v.app}>
          <span class="pill running">running</span>{" "}
          <a href={`#app-${v.app}`}>{`${v.busyWith} of ${v.app}`}</a> <span class="what" />
        </div>
      ))}
    </div>
  );
}

// The config reload SIGHUP runs and the upgrade SIGUSR2 runs, as plain forms (no
// script: the answer is this page again), for a Windows service that gets no signals.
function ReloadPanel({ csrf, configFile, lastReload, process }: DashboardPageProps) {
  return (
    <div class="panel reload">
      <form class="inline" method="post" action={`${ADMIN_BASE}/reload`}>
        <input type="hidden" name="_csrf" value={csrf} />
        <button class="btn plain small" type="submit" title="Read the config file again">
          Reload config
        </button>
      </form>{" "}
      <code>{configFile}</code>
      {lastReload && (
        <p class={lastReload.ok ? "reload-ok" : "reload-failed"}>
          Last reload ({lastReload.at}): {lastReload.summary}
        </p>
      )}
      <div class="receiver-process">
        <form class="inline" method="post" action={`${ADMIN_BASE}/upgrade`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <button
            class="btn plain small"
            type="submit"
            title="Start the receiver file on disk as a new process that takes over the ports and the apps"
          >
            Upgrade receiver
          </button>
        </form>{" "}
        Receiver pid <span class="receiver-pid">{process.pid}</span>, hotswap-receiver{" "}
        {process.version}, running since {process.since}
      </div>
    </div>
  );
}
