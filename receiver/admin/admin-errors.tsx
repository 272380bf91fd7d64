import type { ErrorSurface } from "../http/error-response.js";
import type { Log } from "../log.js";
import { ErrorPage } from "./pages/error-page.js";
import { wantsHtml } from "./wants-html.js";

// How the admin page refuses: the API's {"error":{code,message}} for its script
// and other clients, a short page with a way back for a browser.
export function adminErrors(log: Log): ErrorSurface {
  return {
    log,
    page: (error, c) =>
      wantsHtml(c) ? (
        <ErrorPage
          status={error.status}
          code={error.code}
          message={error.message}
          nonce={c.get("secureHeadersNonce")}
        />
      ) : undefined,
  };
}
