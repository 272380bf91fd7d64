import { AppSection } from "./app-section.js";
import type { AppView } from "./app-view.js";
import { Layout } from "./layout.js";

export interface DashboardPageProps {
  views: AppView[];
  csrf: string;
  nonce: string | undefined;
}

// The Module Administration page: every app with its state and its actions.
export function DashboardPage({ views, csrf, nonce }: DashboardPageProps) {
  return (
    <Layout title="Dashboard" nonce={nonce} csrf={csrf} script>
      {views.length === 0 && <p class="panel">No apps are configured on this receiver.</p>}
      {views.map((view) => (
        <AppSection view={view} csrf={csrf} />
      ))}
    </Layout>
  );
}
