// @ts-check
// What the sync benches share: their command-line numbers, an embedded store
// with a known admin, plain calls and continuous feeds on it, and statistics.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { startEmbeddedStore } from '@m2m/embedded-store';

const args = process.argv.slice(2);

/** `--name N` from the command line, a positive number. @param {string} name @param {number} fallback */
export function numberArg(name, fallback) {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/**
 * An embedded store in a fresh folder, with its admin's URL and header, a JSON
 * call and a continuous-feed reader on it.
 * @param {string} folderPrefix @param {Omit<import('@m2m/embedded-store').EmbeddedStoreOptions, 'dataDir' | 'port' | 'admin'>} [options]
 */
export async function startBenchStore(folderPrefix, options = {}) {
  const admin = { username: 'admin', password: 'bench-admin-password' };
  const authorization = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
  const dataDir = await mkdtemp(join(os.tmpdir(), folderPrefix));
  const store = await startEmbeddedStore({ dataDir, port: 0, admin, ...options });
  const url = new URL(store.url);
  url.username = admin.username;
  url.password = admin.password;
  const adminUrl = url.toString().replace(/\/$/, '');

  /** @param {string} method @param {string} path @param {unknown} [body] */
  async function call(method, path, body) {
    const res = await fetch(store.url + path, {
      method,
      headers: { authorization, accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }

  /**
   * Reads a database's continuous `_changes` feed from now, handing each change over as it arrives.
   * @param {string} db @param {(change: any) => void} onChange @param {{ includeDocs?: boolean }} [feedOptions]
   */
  function follow(db, onChange, feedOptions = {}) {
    const controller = new AbortController();
    void (async () => {
      try {
        const res = await fetch(`${store.url}/${db}/_changes?feed=continuous&since=now&heartbeat=5000&include_docs=${feedOptions.includeDocs === true}`, {
          headers: { authorization, accept: 'application/json' },
          signal: controller.signal,
        });
        if (!res.body) return;
        const decoder = new TextDecoder();
        const reader = res.body.getReader();
        let buffered = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buffered += decoder.decode(value, { stream: true });
          let newline;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line) onChange(JSON.parse(line));
          }
        }
      } catch (err) {
        if (!controller.signal.aborted) console.error(`feed ${db}: ${String(err)}`);
      }
    })();
    return controller;
  }

  return { store, dataDir, authorization, adminUrl, call, follow };
}

/** The p-th percentile of sorted values, rounded. @param {number[]} sorted @param {number} p */
export function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return Math.round(/** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]));
}

/** @param {number[]} values */
export function medianOf(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? /** @type {number} */ (sorted[mid]) : (/** @type {number} */ (sorted[mid - 1]) + /** @type {number} */ (sorted[mid])) / 2;
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A user id (26 of [a-z2-7]) from a number. @param {number} n */
export function userId(n) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let id = '';
  let x = n + 1;
  for (let i = 0; i < 26; i++) {
    id += alphabet[x % 32];
    x = Math.floor(x / 32) + i * 7 + 3;
  }
  return id;
}
