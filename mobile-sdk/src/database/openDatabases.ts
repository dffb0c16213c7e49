import { addRxPlugin, createRxDatabase, type RxCollection, type RxConflictHandler, type RxDatabase, type RxStorage } from 'rxdb';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import { careSchema, deviceSessionSchema, resultsSchema } from './deviceSchemas.js';

addRxPlugin(RxDBLocalDocumentsPlugin);

export interface UserDatabase {
  db: RxDatabase;
  sessions: RxCollection;
  results: RxCollection;
}

/** The device's own database: local documents only (the sign-in). */
export function openDeviceDatabase(name: string, storage: RxStorage<unknown, unknown>): Promise<RxDatabase> {
  return createRxDatabase({ name, storage, localDocuments: true, multiInstance: false });
}

/**
 * One database per user on the device, so that a second user signing in on
 * the same phone sees nothing of the first, whose unsent sessions wait for
 * their next sign-in. Two collections: RxDB's free version opens at most 14
 * per JavaScript realm (the 14th after a wait of about 1.8 s).
 */
export async function openUserDatabase(
  name: string,
  userId: string,
  storage: RxStorage<unknown, unknown>,
  sessionConflicts: RxConflictHandler<unknown>,
): Promise<UserDatabase> {
  const db = await createRxDatabase({ name: `${name}-u-${userId}`, storage, localDocuments: true, multiInstance: false });
  try {
    const collections = await db.addCollections({
      sessions: { schema: deviceSessionSchema as never, conflictHandler: sessionConflicts as never },
      results: { schema: resultsSchema as never },
    });
    return { db, sessions: collections['sessions'] as RxCollection, results: collections['results'] as RxCollection };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/**
 * A clinician's database on the device: one collection, `care`, mirroring
 * their care database on the server. A clinician records no sessions.
 */
export async function openCareDatabase(name: string, userId: string, storage: RxStorage<unknown, unknown>): Promise<{ db: RxDatabase; care: RxCollection }> {
  const db = await createRxDatabase({ name: `${name}-u-${userId}`, storage, localDocuments: true, multiInstance: false });
  try {
    const collections = await db.addCollections({ care: { schema: careSchema as never } });
    return { db, care: collections['care'] as RxCollection };
  } catch (err) {
    await db.close();
    throw err;
  }
}
