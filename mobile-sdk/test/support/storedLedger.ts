import { addRxPlugin, createRxDatabase, type RxStorage } from 'rxdb';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';

addRxPlugin(RxDBLocalDocumentsPlugin);

/** The SDK's upload ledger as it stores it: a local document of the user's database on the device. */
export interface StoredLedger {
  uploaded: string[];
  rejected: Record<string, string>;
}

/**
 * Opens the user's database on the device, as the SDK names it, for `work`
 * on the stored upload ledger; what `work` returns is written back unless it
 * is undefined. Only while no client has that database open.
 */
export async function withStoredLedger(
  storage: RxStorage<unknown, unknown>,
  name: string,
  userId: string,
  work: (ledger: StoredLedger | undefined) => StoredLedger | undefined,
): Promise<StoredLedger | undefined> {
  const db = await createRxDatabase({ name: `${name}-u-${userId}`, storage, localDocuments: true, multiInstance: false });
  try {
    const stored = (await db.getLocal<StoredLedger>('upload-ledger'))?.toJSON().data as StoredLedger | undefined;
    const changed = work(stored);
    if (changed !== undefined) await db.upsertLocal<StoredLedger>('upload-ledger', changed);
    return changed ?? stored;
  } finally {
    await db.close();
  }
}
