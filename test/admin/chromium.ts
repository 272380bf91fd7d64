import { chromium, type Browser } from "playwright-core";

// Debian's chromium, driven by playwright-core; playwright gives it --headless and a
// fresh profile (--user-data-dir) of its own. One launcher for every browser test.
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
