// @ts-check
import { createServer } from 'node:net';
import { StartError } from './startError.mjs';

/**
 * @typedef {object} PortRequest
 * @property {string} variable  the setting that chooses the port, named in messages
 * @property {string} host
 * @property {number} port  0 picks a free port
 */

/**
 * Checks that every requested port can be opened, and picks the free ports
 * asked for with 0. All are held open together, so that two picks never get
 * the same port; they are released before the children bind them.
 * @param {PortRequest[]} requests
 * @returns {Promise<number[]>} the port of each request, in order
 */
export async function reservePorts(requests) {
  const fixed = requests.filter((r) => r.port !== 0);
  for (const [i, a] of fixed.entries()) {
    const clash = fixed.slice(i + 1).find((b) => b.port === a.port);
    if (clash) throw new StartError('port', `${a.variable} and ${clash.variable} are both ${a.port}: give each its own port`);
  }
  /** @type {import('node:net').Server[]} */
  const held = [];
  try {
    const ports = [];
    for (const request of requests) {
      const server = createServer();
      await listen(server, request);
      held.push(server);
      const address = server.address();
      ports.push(typeof address === 'object' && address ? address.port : request.port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))));
  }
}

/**
 * @param {import('node:net').Server} server
 * @param {PortRequest} request
 * @returns {Promise<void>}
 */
function listen(server, { variable, host, port }) {
  return new Promise((resolve, reject) => {
    server.once('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      if (err.code === 'EADDRINUSE') reject(new StartError('port', `port ${port} is in use: set ${variable} to a free port`, { cause: err }));
      else if (err.code === 'EACCES') reject(new StartError('port', `port ${port} may not be opened by this user: set ${variable} to a port above 1023`, { cause: err }));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new StartError('port', `${host} is not an address of this machine (${err.code}): check HOST`, { cause: err }));
      else reject(new StartError('port', `port ${port} on ${host} cannot be opened (${err.code ?? err.message}): check ${variable}`, { cause: err }));
    });
    server.listen({ port, host, exclusive: true }, () => resolve());
  });
}
