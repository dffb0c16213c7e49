import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { attentionThresholdsOf } from '../src/care/attentionSettings.js';
import { loadWorkerConfig } from '../src/index.js';
import { runCli } from './support/workerProcess.js';
import { backoffDelay } from '@m2m/couch';
import { attentionFlags, DEFAULT_ATTENTION_THRESHOLDS } from '@m2m/analysis-core';

const URL_ENV = { COUCHDB_URL: 'http://admin:s3cret@127.0.0.1:5984' };

describe('worker configuration', () => {
  it('has defaults for everything but COUCHDB_URL', () => {
    expect(loadWorkerConfig(URL_ENV)).toEqual({
      couchdbUrl: 'http://admin:s3cret@127.0.0.1:5984',
      dbPrefix: 'm2m-',
      shard: { index: 0, count: 1 },
      poolSize: availableParallelism(),
      batchSize: 50,
      concurrency: 4,
      analysisBudget: 4_000_000,
      metricsPort: undefined,
      metricsHost: '127.0.0.1',
      logLevel: 'info',
      storeTimeoutMs: 10_000,
      liveFeeds: 200,
      liveFeedIdleMs: 300_000,
      sweepRate: 20,
      dataDir: './data',
      careRefreshMs: 3_600_000,
      careInactiveDays: 7,
      careDeclinePercent: 15,
    });
    expect(loadWorkerConfig({ ...URL_ENV, WORKER_SHARD: '3/4', WORKER_POOL_SIZE: '', WORKER_METRICS_PORT: '9464' })).toMatchObject({
      shard: { index: 3, count: 4 },
      poolSize: availableParallelism(),
      metricsPort: 9464,
    });
  });

  it.each([
    [{}, /COUCHDB_URL is required/],
    [{ COUCHDB_URL: 'http://127.0.0.1:5984' }, /COUCHDB_URL must carry the admin credentials/],
    [{ COUCHDB_URL: 'ftp://a:b@host' }, /COUCHDB_URL must use http or https/],
    [{ COUCHDB_URL: 'http://a:b@couch-1:5984,ftp://a:b@couch-2' }, /COUCHDB_URL URL 2 must use http or https/],
    [{ ...URL_ENV, WORKER_SHARD: '2/2' }, /WORKER_SHARD must be i\/n .* \(got "2\/2"\)/],
    [{ ...URL_ENV, WORKER_SHARD: '0/0' }, /WORKER_SHARD must be i\/n/],
    [{ ...URL_ENV, WORKER_SHARD: 'first' }, /WORKER_SHARD must be i\/n/],
    [{ ...URL_ENV, WORKER_POOL_SIZE: '0' }, /WORKER_POOL_SIZE must be at least 1/],
    [{ ...URL_ENV, WORKER_BATCH_SIZE: 'many' }, /WORKER_BATCH_SIZE must be a whole number/],
    [{ ...URL_ENV, WORKER_CONCURRENCY: '1000' }, /WORKER_CONCURRENCY must be at most 256/],
    [{ ...URL_ENV, WORKER_METRICS_PORT: '70000' }, /WORKER_METRICS_PORT must be at most 65535/],
    [{ ...URL_ENV, LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ ...URL_ENV, DB_PREFIX: 'M2M' }, /DB_PREFIX must start with a lowercase letter/],
    [{ ...URL_ENV, CARE_INACTIVE_DAYS: '0' }, /CARE_INACTIVE_DAYS must be at least 1/],
    [{ ...URL_ENV, CARE_DECLINE_PERCENT: 'a lot' }, /CARE_DECLINE_PERCENT must be a whole number/],
  ])('refuses %o naming the variable', (env, message) => {
    expect(() => loadWorkerConfig(env)).toThrow(message);
  });

  it('sets the attention thresholds from CARE_INACTIVE_DAYS and CARE_DECLINE_PERCENT', () => {
    const thresholds = attentionThresholdsOf(loadWorkerConfig({ ...URL_ENV, CARE_INACTIVE_DAYS: '3', CARE_DECLINE_PERCENT: '20' }));
    expect(thresholds).toMatchObject({ inactiveDays: 3, inactiveHighDays: 6, declineRelative: 0.2, declineHighRelative: 0.4 });
    expect(attentionThresholdsOf(loadWorkerConfig(URL_ENV))).toEqual(DEFAULT_ATTENTION_THRESHOLDS);
    // Four days after the last session: inactive with a 3-day threshold, not with the default 7.
    const input = { progress: null, analyses: [], now: '2026-12-05T00:00:00.000Z' };
    const lastSession = { ...input, progress: { lastSessionAt: '2026-12-01T00:00:00.000Z' } as never };
    expect(attentionFlags(lastSession, thresholds).flags.map((flag) => flag.code)).toContain('inactive');
    expect(attentionFlags(lastSession, DEFAULT_ATTENTION_THRESHOLDS).flags.map((flag) => flag.code)).not.toContain('inactive');
  });

  it('names every bad variable at once and never echoes the store URL', () => {
    let message = '';
    try {
      loadWorkerConfig({ COUCHDB_URL: 'http://admin:s3cret@host:5984/?q=1', WORKER_BATCH_SIZE: '0' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/COUCHDB_URL must not have a query/);
    expect(message).toMatch(/WORKER_BATCH_SIZE must be at least 1/);
    expect(message).not.toContain('s3cret');
  });
});

describe('command line', () => {
  it('parses commands and options', () => {
    expect(parseArgs([])).toEqual({ name: 'run' });
    expect(parseArgs(['status', '--json'])).toEqual({ name: 'status', json: true, allDatabases: false });
    expect(parseArgs(['reanalyse', '--user', 'abc', '--force'])).toEqual({ name: 'reanalyse', userIds: ['abc'], all: false, force: true });
    expect(parseArgs(['reanalyse', '--all'])).toEqual({ name: 'reanalyse', userIds: [], all: true, force: false });
    expect(() => parseArgs(['reanalyse', '--all', '--user', 'x'])).toThrow(/exclude each other/);
    expect(() => parseArgs(['frobnicate'])).toThrow(/unknown command frobnicate/);
  });

  it('exits 1 naming a bad variable, 2 on a bad command, 0 for help', async () => {
    const bad = await runCli(['run'], { COUCHDB_URL: 'http://admin:pw@127.0.0.1:5984', WORKER_SHARD: '5/2' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^m2m-sync: Invalid configuration: WORKER_SHARD must be i\/n/);
    const unknown = await runCli(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command frobnicate[\s\S]*Usage: m2m-sync/);
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: m2m-sync/);
  }, 20_000);
});

describe('retry backoff', () => {
  it('grows exponentially to a cap, with jitter in the upper half', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
