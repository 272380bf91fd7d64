import type { HttpBindings } from "@hono/node-server";

/** The Hono environment of the API: node's request and response as bindings. */
export type ApiEnv = { Bindings: HttpBindings };
