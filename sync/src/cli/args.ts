import { parseCommandLine, UsageError } from '@m2m/service-kit';

export type Command =
  | { name: 'run' }
  | { name: 'status'; json: boolean; allDatabases: boolean }
  | { name: 'reanalyse'; userIds: string[]; all: boolean; force: boolean }
  | { name: 'export'; outDir: string; formats: Array<'csv' | 'parquet'> }
  | { name: 'help' };

export const USAGE = `Usage: m2m-sync [command] [options]

Commands:
  run                      Follow the store and analyse every new or changed session (the default).
  reanalyse --user ID      Analyse again the sessions of a user whose analysis has another version
  reanalyse --all          ... of every user. --force: every session, whatever its version.
                           Shows a progress bar on a terminal; safe to interrupt and run again.
  status [--json] [--all]  Backlog per sessions database and overall, oldest waiting session,
                           last error. --all lists caught-up databases too.
  export --out DIR [--format csv|parquet|both]
                           Every user's analyses, pseudonymised, into DIR/analyses.csv and/or
                           DIR/analyses.parquet (default both). Pseudonym key: DATA_DIR/secrets/export-key.
  help                     This text.

Configuration comes from the environment: COUCHDB_URL (required, with admin
credentials), DB_PREFIX, WORKER_SHARD (i/n), WORKER_POOL_SIZE,
WORKER_BATCH_SIZE, WORKER_CONCURRENCY, WORKER_METRICS_PORT,
WORKER_METRICS_HOST, STORE_TIMEOUT_MS, LOG_LEVEL, DATA_DIR. See sync/README.md.`;

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
      const { values } = parseCommandLine(args, { options: { json: { type: 'boolean' }, all: { type: 'boolean' } }, context: 'status' });
      return { name: 'status', json: values.json === true, allDatabases: values.all === true };
    }
    case 'reanalyse':
    case 'reanalyze': {
      const { values } = parseCommandLine(args, {
        options: { user: { type: 'string', multiple: true }, all: { type: 'boolean' }, force: { type: 'boolean' } },
        context: 'reanalyse',
      });
      const userIds = values.user ?? [];
      const all = values.all === true;
      if (!all && userIds.length === 0) throw new UsageError('reanalyse: name users with --user ID, or pass --all');
      if (all && userIds.length > 0) throw new UsageError('reanalyse: --all and --user exclude each other');
      return { name: 'reanalyse', userIds, all, force: values.force === true };
    }
    case 'export': {
      const { values } = parseCommandLine(args, { options: { out: { type: 'string' }, format: { type: 'string' } }, context: 'export' });
      if (values.out === undefined || values.out === '') throw new UsageError('export: name the output folder with --out DIR');
      const format = values.format ?? 'both';
      if (format !== 'csv' && format !== 'parquet' && format !== 'both') throw new UsageError(`export: --format must be csv, parquet or both, got ${format}`);
      return { name: 'export', outDir: values.out, formats: format === 'both' ? ['csv', 'parquet'] : [format] };
    }
    default:
      throw new UsageError(`unknown command ${name}`);
  }
}
