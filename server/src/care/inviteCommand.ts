import { errorText, parseCommandLine, runCommandLine, UsageError, type CommandLineIo } from '@m2m/service-kit';
import { checkStoreNow, databaseExists, StoreClient, storeUrlWithCredentials, systemDatabases } from '@m2m/couch';
import { systemClock } from '../auth/clock.js';
import { loadConfig, type GatewayConfig } from '../config.js';
import { embeddedStoreAdmin } from '../embeddedStoreLoader.js';
import { Invitations } from './invitations.js';

export const INVITE_USAGE = `Usage: m2m-gateway invite-clinician [--days N]

Makes a single-use invitation to register one clinician account, valid for
N days (default 7, at most 365), and prints its code once: the store keeps
only its hash. The clinician registers with POST /auth/register and
{"username", "password", "invitation": "<code>"}.

Configuration comes from the gateway's environment (server/README.md):
COUCHDB_URL, or without it the embedded store that \`npm start\` runs at
STORE_PORT (admin: STORE_ADMIN or the one generated in DATA_DIR); DB_PREFIX.`;

export const DEFAULT_INVITATION_DAYS = 7;
const MAX_INVITATION_DAYS = 365;

function parseDays(argv: readonly string[]): number | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const { values } = parseCommandLine(argv, { options: { days: { type: 'string' } }, context: 'invite-clinician' });
  if (values.days === undefined) return DEFAULT_INVITATION_DAYS;
  if (!/^\d+$/.test(values.days) || Number(values.days) < 1 || Number(values.days) > MAX_INVITATION_DAYS) {
    throw new UsageError(`invite-clinician: --days must be a whole number from 1 to ${MAX_INVITATION_DAYS}, got ${JSON.stringify(values.days)}`);
  }
  return Number(values.days);
}

/** The store the gateway uses: COUCHDB_URL, else the embedded store `npm start` runs. */
async function storeUrl(config: GatewayConfig): Promise<string> {
  if (config.couchdbUrl !== undefined) return config.couchdbUrl;
  return storeUrlWithCredentials(`http://127.0.0.1:${config.storePort}`, await embeddedStoreAdmin(config));
}

/** `m2m-gateway invite-clinician [--days N]`: prints a new invitation's code. Returns the exit code. */
export async function runInviteClinician(argv: readonly string[], env: Record<string, string | undefined>, io: CommandLineIo): Promise<number> {
  return runCommandLine({ name: 'm2m-gateway', usage: INVITE_USAGE, io }, () => parseDays(argv), async (days) => {
    let store: StoreClient | undefined;
    try {
      const config = loadConfig(env);
      store = new StoreClient(await storeUrl(config), { timeoutMs: config.storeTimeoutMs });
      await checkStoreNow(store);
      // The gateway bootstraps the store; a missing accounts database means another store or DB_PREFIX.
      const accounts = systemDatabases(config.dbPrefix).accounts;
      if (!(await databaseExists(store, accounts))) {
        throw new Error(`the store at ${store.url} has no ${accounts} database: start the gateway once first, or check COUCHDB_URL and DB_PREFIX`);
      }
      const invitation = await new Invitations(store, config.dbPrefix, systemClock).create(days);
      io.stdout.write(
        `Invitation for one clinician account (single use, valid until ${invitation.expiresAt}):\n\n  ${invitation.code}\n\nIt is shown only now: the store keeps its hash.\n`,
      );
      return 0;
    } catch (err) {
      io.stderr.write(`m2m-gateway invite-clinician: ${errorText(err)}\n`);
      return 1;
    } finally {
      await store?.close();
    }
  });
}
