import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STORE_MAIN = fileURLToPath(new URL('../../../store/dist/main.js', import.meta.url));

/** The embedded store in a process of its own, so a test can freeze it (SIGSTOP) as a hung CouchDB. */
export interface ChildStore {
  url: string;
  child: ChildProcess;
  /** Freezes the process: it keeps its sockets but answers nothing. */
  hang(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startChildStore(admin: { username: string; password: string }): Promise<ChildStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'm2m-child-store-'));
  const child = spawn(process.execPath, [STORE_MAIN], {
    env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, STORE_PORT: '0', STORE_ADMIN: `${admin.username}:${admin.password}`, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)[^\n]*embedded store listening/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the store exited (${code}) before listening: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    hang: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async close() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
