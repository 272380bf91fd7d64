// Plain http is allowed only where nothing crosses a network: a receiver on this machine.
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

// A token and an artifact must never travel in the clear, and a typo in the address should
// fail here with the value quoted, not as a DNS error ten minutes into a build.
export function receiverUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`url "${text}" is not a URL; expected e.g. https://deploy.example.com`);
  }
  const loopback = url.protocol === "http:" && LOOPBACK.has(url.hostname);
  if (url.protocol !== "https:" && !loopback) {
    throw new Error(
      `url "${text}" must use https; plain http is allowed only for 127.0.0.1, localhost and [::1]`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new Error(`url "${text}" must not carry credentials, a query or a fragment`);
  }
  return text.replace(/\/+$/, "");
}
