import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabasePool } from '../src/databasePool.js';
import { pouchForDataDir } from '../src/pouchFactory.js';
import { maxOpenDatabasesFor, readFileHandleLimit } from '../src/openDatabaseBound.js';
import { startTestStore, type TestStore } from './storeFixture.js';

/** Runs `task` over `items` with at most `width` at a time. */
async function inParallel<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await task(item);
      }
    }),
  );
}

const DEVICES = 100;
const DATABASES = DEVICES * 2; // each device follows its sessions and its progress database
const BOUND = 50; // well below the live feeds
const ROUNDS = 4;

describe('open databases under live feeds', () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await startTestStore({ maxOpenDatabases: BOUND });
  });
  afterAll(async () => {
    await s.teardown();
  });

  const names = Array.from({ length: DATABASES }, (_, i) => `m2m-u-dev${String(i).padStart(3, '0')}-${i % 2 ? 'progress' : 'sessions'}`);

  it(`keeps ${DATABASES} databases with live longpolls open across polls, without reopening any (bound ${BOUND})`, async () => {
    await inParallel(names, 8, async (name) => {
      expect((await s.json('PUT', `/${name}`)).status).toBe(201);
    });
    const since = new Map(names.map((name) => [name, '0']));
    // One longpoll per database at a time, as a device's replication keeps it: ask again as soon as it answers.
    const pollRound = (): Promise<unknown> =>
      Promise.all(
        names.map(async (name) => {
          const res = await s.json('GET', `/${name}/_changes?feed=longpoll&timeout=300&since=${since.get(name) ?? '0'}`);
          expect(res.status).toBe(200);
          since.set(name, String(res.body.last_seq));
        }),
      );

    await pollRound(); // reopens what creation closed
    const afterFirst = s.store.stats();
    expect(afterFirst.openDatabases).toBe(DATABASES);
    for (let round = 1; round < ROUNDS; round += 1) await pollRound();
    const stats = s.store.stats();
    expect(stats.databaseOpens).toBe(afterFirst.databaseOpens);
    expect(stats.openDatabases).toBe(DATABASES);
    expect(stats.feeds.feeds).toBe(0);
  });

});

describe('database pool linger after a live feed', () => {
  it('counts a database as in use for the linger time after its live feed ends, then closes it for room', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'm2m-pool-'));
    let now = 0;
    const Pouch = pouchForDataDir(dataDir);
    const pool = new DatabasePool((name) => new Pouch(name), 2, () => {}, { liveLingerMs: 10_000, now: () => now });
    try {
      for (const name of ['a', 'b', 'c']) (await pool.acquire(name, { live: true })).release();
      (await pool.acquire('d')).release();
      expect(pool.stats()).toMatchObject({ open: 4, lingering: 3, opens: 4 });
      now += 10_001;
      (await pool.acquire('e')).release();
      expect(pool.stats()).toMatchObject({ open: 2, lingering: 0, opens: 5 });
      // An ordinary request's database gets no linger: it goes first when room is needed.
      (await pool.acquire('f')).release();
      expect(pool.stats().open).toBe(2);
    } finally {
      await pool.closeAll();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('default open-database bound', () => {
  it('reads the soft "Max open files" limit from /proc/self/limits', async () => {
    const file = fileURLToPath(new URL(`./limits-${process.pid}.txt`, import.meta.url));
    await writeFile(
      file,
      [
        'Limit                     Soft Limit           Hard Limit           Units     ',
        'Max processes             63413                63413                processes ',
        'Max open files            4096                 524288               files     ',
      ].join('\n'),
    );
    try {
      expect(readFileHandleLimit(file)).toBe(4096);
    } finally {
      await rm(file);
    }
    expect(readFileHandleLimit('/nonexistent/limits')).toBeUndefined();
  });

  it('gives each open database 5 handles out of half the limit, within 10 and 100,000', () => {
    expect(maxOpenDatabasesFor(1024)).toBe(102);
    expect(maxOpenDatabasesFor(65_536)).toBe(6553);
    expect(maxOpenDatabasesFor(64)).toBe(10);
    expect(maxOpenDatabasesFor(1_073_741_816)).toBe(100_000);
  });

  it('follows `ulimit -n` in a store started without a bound', async () => {
    const built = new URL('../dist/embeddedStore.js', import.meta.url).href;
    const script = `
      import { mkdtemp, rm } from 'node:fs/promises';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const { startEmbeddedStore } = await import(${JSON.stringify(built)});
      const dataDir = await mkdtemp(join(tmpdir(), 'm2m-store-bound-'));
      const store = await startEmbeddedStore({ dataDir, port: 0, admin: { username: 'a', password: 'b' } });
      process.stdout.write(JSON.stringify(store.stats()) + '\\n');
      await store.close();
      await rm(dataDir, { recursive: true, force: true });`;
    const bound = (limit: number): Promise<number> =>
      new Promise((resolve, reject) => {
        const child = spawn('bash', ['-c', `ulimit -n ${limit} && exec node --input-type=module -e "$0"`, script], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        child.on('error', reject);
        child.on('close', () => {
          try {
            resolve((JSON.parse(out.trim()) as { maxOpenDatabases: number }).maxOpenDatabases);
          } catch {
            reject(new Error(`no stats from the child: ${out}`));
          }
        });
      });
    expect(await bound(1024)).toBe(102);
    expect(await bound(4000)).toBe(400);
  }, 60_000);
});
