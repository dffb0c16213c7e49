import type { RxDatabase } from 'rxdb';

/**
 * The gateway's device tokens, one per username that signed in on this
 * device. Sent with the next login of that name, a token puts this device's
 * guesses in a budget of its own, so someone guessing the password elsewhere
 * cannot lock the owner out here. Kept across sign-outs: the device stays known.
 */
interface DeviceTokensDoc {
  byUsername: Record<string, string>;
}

const DOC_ID = 'device-tokens';
/** A shared tablet keeps the newest few names; an older one just counts as a new device again. */
const MAX_NAMES = 20;

export async function readDeviceToken(db: RxDatabase, username: string): Promise<string | undefined> {
  const doc = await db.getLocal<DeviceTokensDoc>(DOC_ID);
  return doc?.toJSON().data.byUsername[username.toLowerCase()];
}

export async function writeDeviceToken(db: RxDatabase, username: string, token: string): Promise<void> {
  const doc = await db.getLocal<DeviceTokensDoc>(DOC_ID);
  const byUsername = { ...(doc?.toJSON().data.byUsername ?? {}) };
  const key = username.toLowerCase();
  delete byUsername[key];
  byUsername[key] = token; // insertion order: newest last
  const kept = Object.entries(byUsername).slice(-MAX_NAMES);
  await db.upsertLocal<DeviceTokensDoc>(DOC_ID, { byUsername: Object.fromEntries(kept) });
}
