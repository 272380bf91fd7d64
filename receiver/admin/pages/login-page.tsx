import { ADMIN_BASE } from "../admin-env.js";
import { Layout } from "./layout.js";

export interface LoginPageProps {
  nonce: string | undefined;
  /** The login form's own session token. */
  csrf: string;
  error?: string;
}

// The sign-in form: one password, posted with the login form's token.
export function LoginPage({ nonce, csrf, error }: LoginPageProps) {
  return (
    <Layout title="Sign in" nonce={nonce}>
      <div class="panel login">
        <h1>Sign in</h1>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <form method="post" action={`${ADMIN_BASE}/login`}>
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="username" value="admin" autocomplete="username" />
          <label for="password">Admin password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            autofocus
          />
          <button class="btn primary" type="submit">
            Sign in
          </button>
        </form>
      </div>
    </Layout>
  );
}
