import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts listening; rejects with the listen error ("address in use") instead of emitting it. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** http://host:port of a listening server; IPv6 hosts in brackets. */
export function urlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
