import { createServer, type Server } from "node:net";

// Servers get ports the OS says are free instead of a configured range that may
// collide. All sockets stay open until every port is known, so one call never hands
// out the same port twice.
export async function freePorts(count: number): Promise<number[]> {
  const sockets: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const socket = createServer();
      sockets.push(socket);
      ports.push(await listenOnAnyPort(socket));
    }
    return ports;
  } finally {
    await Promise.all(sockets.map((socket) => new Promise((done) => socket.close(done))));
  }
}

// The OS picks the port when asked for port 0 on loopback.
function listenOnAnyPort(socket: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const address = socket.address();
      if (address && typeof address === "object") resolve(address.port);
      else reject(new Error("could not read the port the OS picked"));
    });
  });
}
