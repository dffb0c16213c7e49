export type Command =
  | { name: 'run' }
  | { name: 'status'; json: boolean; allDatabases: boolean }
  | { name: 'reanalyse'; userIds: string[]; all: boolean; force: boolean }
  | { name: 'help' };

export const USAGE = `Usage: m2m-sync [command] [options]

Commands:
  run                      Follow the store and analyse every new or changed session (the default).
  reanalyse --user ID      Analyse again the sessions of a user whose analysis has another version
  reanalyse --all          ... of every user. --force: every session, whatever its version.
                           Shows a progress bar on a terminal; safe to interrupt and run again.
  status [--json] [--all]  Backlog per sessions database and overall, oldest waiting session,
                           last error. --all lists caught-up databases too.
  help                     This text.

Configuration comes from the environment: COUCHDB_URL (required, with admin
credentials), DB_PREFIX, WORKER_SHARD (i/n), WORKER_POOL_SIZE,
WORKER_BATCH_SIZE, WORKER_CONCURRENCY, WORKER_METRICS_PORT,
WORKER_METRICS_HOST, STORE_TIMEOUT_MS, LOG_LEVEL. See sync/README.md.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses the command line (after `node main.js`). Throws UsageError naming the problem. */
export function parseArgs(argv: readonly string[]): Command {
  const args = [...argv];
  const first = args[0];
  const name = first === undefined || first.startsWith('-') ? 'run' : (args.shift() as string);
  if (args.includes('--help') || args.includes('-h') || name === 'help') return { name: 'help' };
  switch (name) {
    case 'run':
      if (args.length > 0) throw new UsageError(`run takes no arguments, got ${args.join(' ')}`);
      return { name: 'run' };
    case 'status': {
      const flags = new Set(args);
      for (const arg of flags) if (arg !== '--json' && arg !== '--all') throw new UsageError(`status: unknown option ${arg}`);
      return { name: 'status', json: flags.has('--json'), allDatabases: flags.has('--all') };
    }
    case 'reanalyse':
    case 'reanalyze': {
      const userIds: string[] = [];
      let all = false;
      let force = false;
      for (let i = 0; i < args.length; i++) {
        const arg = args[i] as string;
        if (arg === '--all') all = true;
        else if (arg === '--force') force = true;
        else if (arg === '--user') {
          const id = args[++i];
          if (id === undefined || id.startsWith('-')) throw new UsageError('reanalyse: --user needs a user id');
          userIds.push(id);
        } else if (arg.startsWith('--user=')) userIds.push(arg.slice('--user='.length));
        else throw new UsageError(`reanalyse: unknown option ${arg}`);
      }
      if (!all && userIds.length === 0) throw new UsageError('reanalyse: name users with --user ID, or pass --all');
      if (all && userIds.length > 0) throw new UsageError('reanalyse: --all and --user exclude each other');
      return { name: 'reanalyse', userIds, all, force };
    }
    default:
      throw new UsageError(`unknown command ${name}`);
  }
}
