// @ts-check
// Child process of store-file-handles.test.ts, started under `ulimit -n 1024`.
// Starts the embedded store (the built package, dist/) with a bounded number of
// open databases, creates both databases of every user over HTTP, writes one
// document to each, reads every one back, and prints one JSON line with the
// outcome and the store's stats on stdout. Everything else goes to stderr.
//
//   node storeFileHandlesChild.mjs <users> <maxOpenDatabases> <concurrency>
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDatabases } from '@m2m/analysis-core';
import { startEmbeddedStore } from '../../dist/embeddedStore.js';

/** A user id of the gateway's shape (26 base32 characters), for production-like database names. */
const randomUserId = () => Array.from(randomBytes(26), (byte) => 'abcdefghijklmnopqrstuvwxyz234567'.charAt(byte & 31)).join('');

const [users, maxOpenDatabases, concurrency] = process.argv.slice(2, 5).map(Number);
if (!users || !maxOpenDatabases || !concurrency) {
  throw new Error('usage: storeFileHandlesChild.mjs <users> <maxOpenDatabases> <concurrency>');
}

const admin = { username: 'admin', password: 'file-handles-admin-password' };
const authorization = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
const MAX_FAILURES_REPORTED = 10;

/** The soft "Max open files" limit this process runs under. */
function openFilesLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return line ? Number(line.split(/\s+/)[3]) : NaN;
}

/** Entries of /proc/self/fd, or the limit itself when even that directory cannot be opened (EMFILE). */
function openFiles() {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return Number(report['fdLimit']);
  }
}

/**
 * Runs `task` over `items`, at most `width` at a time; records failures
 * instead of stopping.
 * @template T
 * @param {T[]} items
 * @param {number} width
 * @param {(item: T) => Promise<void>} task
 * @param {string[]} failures
 */
async function inParallel(items, width, task, failures) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = /** @type {T} */ (items[next++]);
        try {
          await task(item);
        } catch (err) {
          failures.push(String(err instanceof Error ? err.message : err));
        }
      }
    }),
  );
}

/**
 * @param {string} url
 * @param {string} method
 * @param {unknown} [body]
 */
async function call(url, method, body) {
  /** @type {Record<string, string>} */
  const headers = { authorization, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, text };
}

const dataDir = await mkdtemp(join(tmpdir(), 'm2m-store-fds-'));
const started = Date.now();
/** @type {Record<string, unknown>} */
const report = { fdLimit: openFilesLimit(), users, maxOpenDatabases, concurrency };
let peakOpenFiles = openFiles();
const sampler = setInterval(() => {
  peakOpenFiles = Math.max(peakOpenFiles, openFiles());
}, 20);

try {
  const store = await startEmbeddedStore({ dataDir, port: 0, admin, maxOpenDatabases });
  try {
    const databases = Array.from({ length: users }, () => {
      const names = userDatabases('m2m-', randomUserId());
      return [names.sessions, names.progress];
    }).flat();

    /** @type {string[]} */
    const writeFailures = [];
    let created = 0;
    let written = 0;
    await inParallel(
      databases,
      concurrency,
      async (db) => {
        const put = await call(`${store.url}/${db}`, 'PUT');
        if (put.status !== 201) throw new Error(`PUT /${db}: ${put.status} ${put.text}`);
        created += 1;
        const doc = await call(`${store.url}/${db}/probe`, 'PUT', { db });
        if (doc.status !== 201) throw new Error(`PUT /${db}/probe: ${doc.status} ${doc.text}`);
        written += 1;
      },
      writeFailures,
    );
    const afterWrites = store.stats();

    // Read every one back; most were closed meanwhile and reopen on demand.
    /** @type {string[]} */
    const readFailures = [];
    let read = 0;
    await inParallel(
      databases,
      concurrency,
      async (db) => {
        const doc = await call(`${store.url}/${db}/probe`, 'GET');
        if (doc.status !== 200) throw new Error(`GET /${db}/probe: ${doc.status} ${doc.text}`);
        const body = /** @type {{ db?: unknown }} */ (JSON.parse(doc.text));
        if (body.db !== db) throw new Error(`GET /${db}/probe: wrong document ${doc.text}`);
        read += 1;
      },
      readFailures,
    );

    const allDbs = await call(`${store.url}/_all_dbs`, 'GET');
    const listed = /** @type {string[]} */ (JSON.parse(allDbs.text));
    const { openDatabases, maxOpenDatabasesSeen } = store.stats();
    Object.assign(report, {
      databases: databases.length,
      created,
      written,
      read,
      listed: databases.filter((db) => listed.includes(db)).length,
      failures: writeFailures.length + readFailures.length,
      firstFailures: [...writeFailures, ...readFailures].slice(0, MAX_FAILURES_REPORTED),
      stats: { openDatabases, maxOpenDatabasesSeen },
      maxOpenDatabasesSeenAfterWrites: afterWrites.maxOpenDatabasesSeen,
    });
  } finally {
    await store.close();
  }
} catch (err) {
  report['error'] = err instanceof Error ? (err.stack ?? err.message) : String(err);
} finally {
  clearInterval(sampler);
  report['peakOpenFiles'] = Math.max(peakOpenFiles, openFiles());
  report['ms'] = Date.now() - started;
  await rm(dataDir, { recursive: true, force: true });
}

process.stdout.write(`${JSON.stringify(report)}\n`);
