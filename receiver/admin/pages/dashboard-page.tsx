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
}

// The Module Administration page: every app with its state and its actions.
export function DashboardPage(props: DashboardPageProps) {
  const { views, csrf, nonce } = props;
  return (
    <Layout title="Dashboard" nonce={nonce} csrf={csrf} script>
      <ReloadPanel {...props} />
      {views.length === 0 && <p class="panel">No apps are configured on this receiver.</p>}
      {views.map((view) => (
        <AppSection view={view} csrf={csrf} />
      ))}
    </Layout>
  );
}

// The config reload SIGHUP runs, as a plain form (no script: the answer is this page
// again, with the result below the button), for a Windows service that gets no signals.
function ReloadPanel({ csrf, configFile, lastReload }: DashboardPageProps) {
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
    </div>
  );
}
