import { waitFor } from "../helpers/wait-for.js";
import { openLoad, type LoadOptions, type OpenLoad } from "./open-load.mjs";

/**
 * An open-model load on `url` (open-load.mjs; mixed GET and POST unless `mix` says
 * otherwise), resolved once version `first` (default v1) has answered through it: the
 * traffic is flowing before a test changes anything.
 */
export async function trafficTo(
  url: string,
  options: Omit<LoadOptions, "url"> & { first?: string },
): Promise<OpenLoad> {
  const { first = "v1", ...load } = options;
  const running = openLoad({ mix: { get: 3, post: 1 }, ...load, url });
  await waitFor(
    () => running.samples.some((s) => s.version === first),
    `${first} answering through the gate`,
  );
  return running;
}
