import type { RxDatabase } from 'rxdb';
import type { TokenPair } from '@m2m/contract';

/** The sign-in kept on the device, so a restarted app stays signed in and records offline. */
export interface StoredCredentials {
  userId: string;
  username: string;
  accessToken: string;
  refreshToken: string;
}

const DOC_ID = 'credentials';

export function credentialsFrom(tokens: TokenPair, username: string): StoredCredentials {
  return { userId: tokens.userId, username, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
}

export async function readCredentials(db: RxDatabase): Promise<StoredCredentials | null> {
  const doc = await db.getLocal<StoredCredentials>(DOC_ID);
  return doc ? (doc.toJSON().data as StoredCredentials) : null;
}

export async function writeCredentials(db: RxDatabase, credentials: StoredCredentials): Promise<void> {
  await db.upsertLocal(DOC_ID, credentials);
}

export async function clearCredentials(db: RxDatabase): Promise<void> {
  const doc = await db.getLocal(DOC_ID);
  if (doc) await doc.remove();
}
