import { request } from "node:http";

/** The longest a server may take to answer its stop request. */
const ANSWER_MS = 2_000;

// config `stopPath`: a POST to this path on the server's own port asks it to stop. On
// Windows it is the one polite request a console server can get (it has no window for
// WM_CLOSE, and there are no signals); anywhere, a server whose SIGTERM handling cannot be
// changed can offer it. True when the server answered 2xx (it will leave: the caller
// waits stopTimeout for that); false when it could not be asked, so the caller falls back
// to the platform's own way.
export function requestStop(origin: string, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${origin}${path}`, {
      method: "POST",
      headers: { "content-length": "0", "user-agent": "hotswap-receiver" },
      timeout: ANSWER_MS,
      agent: false,
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
    });
    req.on("timeout", () => req.destroy(new Error("no answer")));
    req.on("error", () => resolve(false));
    req.end();
  });
}
