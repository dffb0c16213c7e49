import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SIZE_LIMITS } from '@m2m/analysis-core';
import { InvalidSessionError, type M2MClient, type RecordInput } from '@m2m/mobile-sdk';
import { newClient, recordingInput, uniqueName } from './support/clients.js';
import { startSystem, type TestSystem } from './support/system.js';

describe('recordSession refuses bad input and stores nothing', () => {
  let system: TestSystem;
  let client: M2MClient;
  const good = recordingInput({ seed: 80, durationS: 5 });

  beforeAll(async () => {
    system = await startSystem({ worker: false });
    client = await newClient(system.gatewayUrl, { analysis: 'inline' });
    await client.register(uniqueName(), 'correct horse battery');
  });
  afterAll(async () => {
    await client?.close();
    await system?.close();
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'session', /: \/ must be an object/],
    ['null', null, /: \/ must be an object/],
    ['events missing', { ...good, events: undefined }, /\/events must be an array/],
    ['channels not an array', { ...good, channels: {} }, /\/channels must be an array/],
    ['a channel without values', { ...good, channels: [{ ...good.channels[0], values: undefined }] }, /\/channels\/0\/values/],
    ['startedAt a number', { ...good, startedAt: 1_700_000_000_000 }, /\/startedAt must be an ISO 8601/],
    ['startedAt not UTC', { ...good, startedAt: '2026-11-24 10:00' }, /\/startedAt/],
    ['level 0', { ...good, level: 0 }, /\/level/],
    ['score negative', { ...good, score: -1 }, /\/score/],
    ['gameId with spaces', { ...good, gameId: 'Rhythm Tap' }, /\/gameId/],
    ['glove missing', { ...good, device: { platform: 'web', appVersion: '1.0.0' } }, /\/device/],
    ['an unknown event kind', { ...good, events: [{ t: 0, kind: 'explode' }] }, /\/events\/0\/kind/],
    ['a hostile extra field', { ...good, __proto__: { polluted: true }, constructor: 'x', extra: '<script>' }, /\/constructor is not a field of a recording; \/extra is not a field/],
    ['a sample rate of zero', { ...good, sampleRateHz: 0 }, /sampleRateHz|sample rate/i],
    ['channels of different lengths', { ...good, channels: [good.channels[0], { ...good.channels[1], values: [1, 2, 3] }] }, /length|samples/i],
    ['a zero quantisation scale', { ...good, channels: [{ ...good.channels[0], scale: 0 }] }, /scale/],
    ['far too many samples', { ...good, sampleRateHz: 1000, channels: [{ ...good.channels[0], values: new Float64Array(3_000_000) }] }, /sample|too many|more than/i],
  ];

  it.each(cases)('%s', async (_name, input, message) => {
    const before = (await firstValueFrom(client.sessions$())).length;
    const error = await client.recordSession(input as RecordInput).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidSessionError);
    expect((error as InvalidSessionError).errors.length).toBeGreaterThan(0);
    expect((error as InvalidSessionError).message).toMatch(message);
    expect((await firstValueFrom(client.sessions$())).length).toBe(before);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a game over the gateway\'s size limits with the limit named, before storing it', async () => {
    // 31 minutes at 100 Hz decodes fine: only the gateway's limits refuse it, on every push.
    const samples = 31 * 60 * 100;
    const long = { ...good, durationMs: 31 * 60 * 1000, sampleRateHz: 100, channels: good.channels.slice(0, 2).map((c) => ({ ...c, values: new Float64Array(samples) })) };
    const before = (await firstValueFrom(client.sessions$())).length;
    const error = await client.recordSession(long).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidSessionError);
    expect((error as InvalidSessionError).errors).toContainEqual({
      path: '/durationMs',
      message: `${long.durationMs} ms is above the limit of ${SESSION_SIZE_LIMITS.maxGameDurationMs} ms (the longest plausible game)`,
    });
    expect((await firstValueFrom(client.sessions$())).length).toBe(before);
  });

  it('refuses a glove rate over the limit by name', async () => {
    const fast = { ...good, durationMs: 1000, events: [], sampleRateHz: SESSION_SIZE_LIMITS.maxGloveRateHz * 2, channels: good.channels.map((c) => ({ ...c, values: new Float64Array(SESSION_SIZE_LIMITS.maxGloveRateHz * 2) })) };
    const error = await client.recordSession(fast).then(
      () => null,
      (err: unknown) => err,
    );
    expect((error as InvalidSessionError).message).toContain(`limit of ${SESSION_SIZE_LIMITS.maxGloveRateHz} Hz (the highest glove rate)`);
  });

  it('stores the good session recorded beside the bad ones', async () => {
    const session = await client.recordSession(good);
    expect((await firstValueFrom(client.sessions$())).map((e) => e.session.id)).toContain(session.id);
  });
});
