import dns from 'node:dns';
import { createServer, type AddressInfo, type Socket } from 'node:net';

/** Store nodes that are down, for the failover tests of the gateway and the worker. */

/** A port where nothing listens: connections are refused. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A node that accepts connections and never answers. */
export async function silentNode(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Makes `name` resolve to ::1 and 127.0.0.1, as `localhost` or a service name
 * on a dual-stack network does (this machine's resolver gives one address).
 * Node then tries both addresses and reports an AggregateError. Returns the undo.
 */
export function resolveDualStack(name: string): () => void {
  const original = dns.lookup;
  const patched = (host: string, options: unknown, callback: (...args: unknown[]) => void): void => {
    if (host !== name) return (original as (...args: unknown[]) => void)(host, options, callback);
    const all = (options as { all?: boolean }).all;
    if (all) process.nextTick(callback, null, [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]);
    else process.nextTick(callback, null, '127.0.0.1', 4);
  };
  (dns as { lookup: unknown }).lookup = patched;
  return () => {
    (dns as { lookup: unknown }).lookup = original;
  };
}
