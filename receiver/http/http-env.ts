import type { HttpBindings } from "@hono/node-server";

/**
 * The Hono environment of every route the receiver serves (API, admin page,
 * legacy links, /metrics): node's request and response as bindings, so uploads
 * stream from `c.env.incoming` and limits see the socket's peer.
 */
export type HttpEnv = { Bindings: HttpBindings };
