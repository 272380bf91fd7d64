import { ADMIN_BASE } from "../admin-env.js";
import { AppPanel } from "./app-panel.js";
import type { AppView } from "./app-view.js";

// One app on the dashboard. The upload form and the live steps stay put; the
// status panel below them is what the script fetches again after an operation.
export function AppSection({ view, csrf }: { view: AppView; csrf: string }) {
  const base = `${ADMIN_BASE}/apps/${encodeURIComponent(view.app)}`;
  return (
    <section class="app" id={`app-${view.app}`} data-app={view.app}>
      <div class="app-head">
        <h2>{view.app}</h2>
        <span class="grow" />
        <span class="path">
          exeFile <code>{view.exeFile}</code>
        </span>
        <span class="path">
          updateFile <code>{view.updateFile}</code>
        </span>
      </div>
      <form class="upload" data-action="upload" method="post" action={`${base}/upload`}>
        <span class="label">New build</span>
        <input type="file" name="file" aria-label={`New build of ${view.app}`} />
        <button class="btn" type="submit" value="upload" title="Stage the file at updateFile">
          Upload
        </button>
        <button class="btn primary" type="submit" value="deploy" title="Upload, then hotswap it">
          Deploy
        </button>
        <progress hidden value="0" max="1" />
        <span class="muted" data-progress />
      </form>
      <p class="notice" data-notice hidden role="status" />
      <div class="live" data-live hidden aria-live="polite">
        <div class="head">
          <strong data-live-title />
          <span class="pill running" data-live-state>
            running
          </span>
          <span class="grow" />
          <a data-live-log href={ADMIN_BASE}>
            full log
          </a>
        </div>
        <ol />
      </div>
      <div data-panel>
        <AppPanel view={view} csrf={csrf} />
      </div>
    </section>
  );
}
