import { ADMIN_BASE } from "../admin-env.js";
import { Layout } from "./layout.js";

export interface ErrorPageProps {
  status: number;
  code: string;
  message: string;
  nonce: string | undefined;
}

// What a browser shows when an admin request is refused without the page's
// script (a plain form post, a typed address): the reason and a way back.
export function ErrorPage({ status, code, message, nonce }: ErrorPageProps) {
  return (
    <Layout title={`Error ${status}`} nonce={nonce}>
      <div class="panel">
        <h1>{status === 401 ? "Please sign in" : `Refused (${status})`}</h1>
        <p class="error">{message}</p>
        <p class="muted">
          <code>{code}</code>
        </p>
        <p>
          <a href={status === 401 ? `${ADMIN_BASE}/login` : ADMIN_BASE}>
            {status === 401 ? "Sign in" : "Back to the dashboard"}
          </a>
        </p>
      </div>
    </Layout>
  );
}
