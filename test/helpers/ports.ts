import { createServer, type Server } from "node:net";

// Ports for tests that need a number before anything listens on it (a config that names
// one, a service that takes one), or one held as another program would.
function listen(port: number, host = "127.0.0.1"): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(port, host, () => done(server));
  });
}

const close = (server: Server) => new Promise<void>((done) => server.close(() => done()));

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = await listen(0);
  const { port } = server.address() as { port: number };
  await close(server);
  return port;
}

/** Whether the port can be bound now (nothing else holds it). */
export async function isFree(port: number): Promise<boolean> {
  try {
    await close(await listen(port));
    return true;
  } catch {
    return false;
  }
}

/** Holds a port for the test, as another program would. */
export async function occupy(port = 0): Promise<{ port: number; release: () => Promise<void> }> {
  const server = await listen(port);
  return { port: (server.address() as { port: number }).port, release: () => close(server) };
}
