import { describe, expect, it } from 'vitest';
import { checkQuery, DEFAULT_FEED_LIMITS, feedSilenceMs } from '../src/proxy/queryRules.js';
import { parseSyncPath, upstreamPathOf } from '../src/proxy/syncPath.js';

describe('replication proxy rules (pure)', () => {
  it('caps feed waits: timeout and heartbeat never exceed the limit, heartbeat never floods', () => {
    const capped = checkQuery('changes', 'GET', 'feed=longpoll&timeout=999999999&heartbeat=86400000', DEFAULT_FEED_LIMITS);
    expect(capped.get('timeout')).toBe('60000');
    expect(capped.get('heartbeat')).toBe('60000');
    expect(checkQuery('changes', 'GET', 'heartbeat=1', DEFAULT_FEED_LIMITS).get('heartbeat')).toBe('1000');
    expect(checkQuery('changes', 'GET', 'heartbeat=true', DEFAULT_FEED_LIMITS).get('heartbeat')).toBe('60000');
    expect(checkQuery('changes', 'GET', 'heartbeat=false', DEFAULT_FEED_LIMITS).has('heartbeat')).toBe(false);
  });

  it('bounds how long the store may stay silent by the feed it asked for', () => {
    const silence = (query: string) => feedSilenceMs(checkQuery('changes', 'GET', query, DEFAULT_FEED_LIMITS), DEFAULT_FEED_LIMITS);
    expect(silence('feed=normal')).toBeUndefined();
    expect(silence('feed=longpoll')).toBe(60_000);
    expect(silence('feed=longpoll&timeout=500')).toBe(500);
    expect(silence('feed=longpoll&timeout=500&heartbeat=2000')).toBe(2000);
  });

  it('maps paths onto the named database only, every part encoded', () => {
    const target = parseSyncPath('/progress/analysis%3Ases_01?revs=true');
    expect(target).toEqual({ database: 'progress', endpoint: { kind: 'doc', id: 'analysis:ses_01' }, rawQuery: 'revs=true' });
    expect(upstreamPathOf('m2m-u-x-progress', target.endpoint)).toBe('/m2m-u-x-progress/analysis%3Ases_01');
    expect(upstreamPathOf('db', parseSyncPath('/sessions/_local/a%20b').endpoint)).toBe('/db/_local/a%20b');
    expect(upstreamPathOf('db', parseSyncPath('/sessions/').endpoint)).toBe('/db/');
    expect(() => parseSyncPath('/sessions/__proto__')).toThrow(/not reachable/);
    expect(() => parseSyncPath('/sessions/constructor/x')).toThrow(/not reachable/);
  });
});
