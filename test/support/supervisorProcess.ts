import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childPids, commandLine, eventually, isRunning } from './processes.js';

export const START_SCRIPT = fileURLToPath(new URL('../../scripts/start.mjs', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What `npm start` printed once ready. */
export interface Banner {
  gatewayUrl: string;
  demoUrl: string;
  fauxtonUrl: string;
  admin: { username: string; password: string };
  dataDir: string;
  metricsUrl: string;
}

export interface SupervisorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisorRun {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<SupervisorExit>;
}

export interface RunningSystem extends SupervisorRun {
  banner: Banner;
  /** The store, gateway and worker processes, by role. */
  children: { store: number; gateway: number; worker: number };
}

/**
 * The environment of one test run: free ports everywhere, one analysis
 * thread (two cores are shared), and nothing inherited that would change
 * what starts (a COUCHDB_URL in the outer environment, say).
 */
export function testEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    DATA_DIR: dataDir,
    PORT: '0',
    STORE_PORT: '0',
    DEMO_PORT: '0',
    WORKER_POOL_SIZE: '1',
    ...extra,
  };
}

/** Runs `node scripts/start.mjs` (what `npm start` runs) with exactly `env`. */
export function runSupervisor(env: Record<string, string>): SupervisorRun {
  const child = spawn(process.execPath, [START_SCRIPT], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<SupervisorExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  if (child.pid === undefined) throw new Error('the supervisor did not start');
  return { child, pid: child.pid, stdout: () => stdout, stderr: () => stderr, exited };
}

const READY_LINE = 'Stop it with Ctrl-C';

/** Starts the system and waits for the printed block; fails with the output when it exits first. */
export async function startSystem(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningSystem> {
  const run = runSupervisor(env);
  let exit: SupervisorExit | undefined;
  void run.exited.then((e) => (exit = e));
  try {
    await eventually(() => run.stdout().includes(READY_LINE) || exit !== undefined, timeoutMs, 'the printed block');
  } catch (err) {
    run.child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`, { cause: err });
  }
  if (exit !== undefined) throw new Error(`npm start exited (${JSON.stringify(exit)})\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
  return { ...run, banner: parseBanner(run.stdout()), children: rolesOf(childPids(run.pid)) };
}

export function parseBanner(text: string): Banner {
  const field = (pattern: RegExp): RegExpExecArray => {
    const match = pattern.exec(text);
    if (!match) throw new Error(`the printed block lacks ${pattern}:\n${text}`);
    return match;
  };
  const fauxton = field(/Fauxton:\s+(\S+)\s+\(user (\S+), password (\S+)\)/);
  return {
    gatewayUrl: field(/gateway:\s+(\S+)/)[1] as string,
    demoUrl: field(/demo:\s+(\S+)/)[1] as string,
    fauxtonUrl: fauxton[1] as string,
    admin: { username: fauxton[2] as string, password: fauxton[3] as string },
    dataDir: (field(/data:\s+(.+)$/m)[1] as string).trim(),
    metricsUrl: field(/metrics at (\S+)\/metrics/)[1] as string,
  };
}

function rolesOf(pids: number[]): RunningSystem['children'] {
  const find = (fragment: string): number => {
    const pid = pids.find((p) => commandLine(p).includes(fragment));
    if (pid === undefined) throw new Error(`no child runs ${fragment}: ${pids.map(commandLine).join('; ')}`);
    return pid;
  };
  return { store: find('store/dist/main.js'), gateway: find('server/dist/main.js'), worker: find('sync/dist/cli/main.js') };
}

/** Sends `signal` to the supervisor and waits for it to exit. */
export async function stopSupervisor(run: SupervisorRun, signal: NodeJS.Signals = 'SIGINT'): Promise<SupervisorExit> {
  if (isRunning(run.pid)) run.child.kill(signal);
  return run.exited;
}
