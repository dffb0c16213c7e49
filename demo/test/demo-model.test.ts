import type { AnalysisDoc, Session } from '@m2m/analysis-core';
import { GatewayError, NetworkError, type SessionEntry, type Sourced, type SyncStatus } from '@m2m/mobile-sdk';
import { describe, expect, it } from 'vitest';
import { errorMessage } from '../src/errorMessage.js';
import { connectionState } from '../src/model/connectionState.js';
import { nextSessionStart, synthesizeGame } from '../src/model/playSession.js';
import { sessionState } from '../src/model/sessionRows.js';

const session = { id: 'ses_x', startedAt: '2026-11-24T10:00:00.000Z' } as Session;
const entry = (upload: SessionEntry['upload']): SessionEntry => ({ session, upload });
const analysis = (source: 'device' | 'server', status: 'ok' | 'invalid' = 'ok') => ({ source, status, reasons: [] }) as unknown as Sourced<AnalysisDoc>;

describe('a session’s state in the demo', () => {
  it.each([
    ['pending', null, 'pending'],
    ['pending', analysis('device'), 'pending'],
    ['uploaded', null, 'analysing'],
    ['uploaded', analysis('device'), 'provisional'],
    ['uploaded', analysis('server'), 'confirmed'],
    ['uploaded', analysis('server', 'invalid'), 'invalid'],
    ['rejected', analysis('device'), 'refused'],
  ] as const)('upload %s with analysis %o is %s', (upload, result, state) => {
    expect(sessionState({ entry: entry(upload), analysis: result })).toBe(state);
  });
});

describe('the demo clock', () => {
  const now = Date.parse('2026-11-24T12:00:00.000Z');
  it('dates the first game now and each next game a day after the latest', () => {
    expect(nextSessionStart(null, now)).toBe('2026-11-24T12:00:00.000Z');
    expect(nextSessionStart('2026-11-24T12:00:00.000Z', now + 1000)).toBe('2026-11-25T12:00:00.000Z');
  });
  it('never dates a game before now', () => {
    expect(nextSessionStart('2026-10-01T08:00:00.000Z', now)).toBe('2026-11-24T12:00:00.000Z');
  });
  it('synthesizes a recording the SDK accepts, with the chosen length and level', () => {
    const input = synthesizeGame({ impairment: 0.5, durationS: 10, level: 3 }, '2026-11-24T12:00:00.000Z');
    expect(input).toMatchObject({ durationMs: 10_000, level: 3, startedAt: '2026-11-24T12:00:00.000Z' });
  });
});

describe('the connection indicator', () => {
  const status = (change: Partial<SyncStatus>): SyncStatus => ({ online: false, pendingUploads: 0, lastSyncedAt: null, lastError: null, authRequired: false, analysis: { runsIn: 'worker', reason: null }, ...change });
  it('says offline when the browser is, whatever the gateway said last', () => {
    expect(connectionState(status({ online: true }), true, false)).toBe('offline');
  });
  it('follows the gateway while signed in', () => {
    expect(connectionState(status({}), true, true)).toBe('connecting');
    expect(connectionState(status({ online: true }), true, true)).toBe('online');
    expect(connectionState(status({ lastError: { kind: 'network', message: 'x', at: '' } }), true, true)).toBe('offline');
  });
  it('says nobody is signed in', () => {
    expect(connectionState(status({}), false, true)).toBe('signed-out');
  });
});

describe('error messages', () => {
  it('uses the gateway’s own reason as a sentence', () => {
    expect(errorMessage(new GatewayError(409, 'conflict', 'this username is taken'))).toBe('This username is taken.');
    expect(errorMessage(new GatewayError(401, 'unauthorized', 'Name or password is incorrect.'))).toBe('Name or password is incorrect.');
  });
  it('says what to do when the server cannot be reached or refuses too many attempts', () => {
    expect(errorMessage(new NetworkError('Failed to fetch'))).toMatch(/^The server cannot be reached/);
    expect(errorMessage(new GatewayError(429, 'too_many_requests', 'slow down'))).toMatch(/^Too many attempts/);
  });
});
