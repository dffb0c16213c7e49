import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE, type ErrorCode } from '@m2m/contract';
import { ADMIN_ONLY_SECURITY, StoreClient, storeUrlWithCredentials, systemDatabases } from '@m2m/couch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invitations } from '../src/care/invitations.js';
import { runInviteClinician } from '../src/care/inviteCommand.js';
import { TEST_ADMIN } from '../../store/test/storeFixture.js';
import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET, TEST_PASSWORD, uniqueUsername, type Json } from './support/gatewayHarness.js';
import { startCareWorld, type CareWorld } from './support/careWorld.js';

const DAY_MS = 86_400_000;
const GATEWAY_BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs the built `m2m-gateway` bin as an operator would: exit code and output. */
function runBin(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEWAY_BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An error answer as the catalogue describes it: status, CouchDB error, code, reason, request id. */
function expectCode(answer: { status: number; body: Json }, code: ErrorCode): void {
  const spec = ERROR_CATALOGUE[code];
  expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ code, error: spec.error, reason: expect.any(String), requestId: expect.any(String) });
  expect(answer.status).toBe(spec.status);
}

describe('care team: roles, invitations, share codes and links', () => {
  let world: CareWorld;
  const register = (body: Json) => world.gateway.call('POST', '/auth/register', { body });

  beforeAll(async () => {
    world = await startCareWorld({ SHARE_CODE_TTL_S: '60' });
  });
  afterAll(async () => {
    await world?.close();
  });
  /** Documents of `<prefix>accounts` whose ids start with `prefix`, as stored. */
  const accountsDocs = async (prefix: string): Promise<Json[]> => {
    const { accounts } = systemDatabases(world.gateway.config.dbPrefix);
    const range = `startkey=${encodeURIComponent(JSON.stringify(prefix))}&endkey=${encodeURIComponent(JSON.stringify(`${prefix}\ufff0`))}`;
    return ((await world.store.json('GET', `/${accounts}/_all_docs?include_docs=true&${range}`)).body.rows as Json[]).map((row) => row.doc);
  };

  it('registers a patient without an invitation: role in the answer, the token and GET /me; the two patient databases', async () => {
    // A role in the body is not a way in: only an invitation makes a clinician.
    const username = uniqueUsername('patient');
    const answer = await register({ username, password: TEST_PASSWORD, role: 'clinician' });
    expect(answer.status).toBe(201);
    expect(answer.body.role).toBe('patient');
    const me = await world.gateway.call('GET', '/me', { token: answer.body.accessToken });
    expect(me.body).toEqual({ userId: answer.body.userId, username, role: 'patient', createdAt: expect.any(String) });
    const dbs = (await world.store.json('GET', '/_all_dbs')).body as string[];
    expect(dbs.filter((name) => name.includes(answer.body.userId)).sort()).toEqual([
      `${world.gateway.config.dbPrefix}u-${answer.body.userId}-progress`,
      `${world.gateway.config.dbPrefix}u-${answer.body.userId}-sessions`,
    ]);
  });

  it('registers a clinician with an invitation: role everywhere, one admin-only care database, no patient databases', async () => {
    const invitation = await world.invite(3);
    expect(invitation).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$/);
    const username = uniqueUsername('clinician');
    // Typed in lower case without dashes, as people do.
    const answer = await register({ username, password: TEST_PASSWORD, invitation: invitation.replaceAll('-', '').toLowerCase() });
    expect(answer.status).toBe(201);
    expect(answer.body.role).toBe('clinician');
    const { userId, accessToken, refreshToken } = answer.body;
    expect((await world.gateway.call('GET', '/me', { token: accessToken })).body.role).toBe('clinician');
    const dbs = (await world.store.json('GET', '/_all_dbs')).body as string[];
    const care = `${world.gateway.config.dbPrefix}u-${userId}-care`;
    expect(dbs.filter((name) => name.includes(userId))).toEqual([care]);
    expect((await world.store.json('GET', `/${care}/_security`)).body).toEqual({ admins: { names: [], roles: ['_admin'] }, members: { names: [], roles: ['_admin'] } });

    const refreshed = await world.gateway.call('POST', '/auth/refresh', { body: { refreshToken } });
    expect(refreshed.body.role).toBe('clinician');
    const login = await world.gateway.call('POST', '/auth/login', { body: { username, password: TEST_PASSWORD } });
    expect(login.body.role).toBe('clinician');
    // The refreshed token still carries the role: the care database answers it.
    expect((await world.gateway.call('GET', '/sync/care/', { token: refreshed.body.accessToken })).status).toBe(200);

    // The stored invitation is a hash: the code itself is nowhere in the accounts database.
    const all = await world.store.json('GET', `/${systemDatabases(world.gateway.config.dbPrefix).accounts}/_all_docs?include_docs=true`);
    expect(JSON.stringify(all.body)).not.toContain(invitation.replaceAll('-', ''));
  });

  it('a patient cannot make their token a clinician\'s: a changed claim breaks the signature, an unknown role is invalid', async () => {
    const patient = await world.patient();
    const [header, payload] = patient.token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'clinician' })).toString('base64url')}.${patient.token.split('.')[2]}`;
    expectCode(await world.gateway.call('GET', '/sync/care/', { token: tampered }), 'access_token_invalid');
    const unknownRole = jwt.sign({ ...claims, role: 'admin' }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    expectCode(await world.gateway.call('GET', '/me', { token: unknownRole }), 'access_token_invalid');
    expectCode(await patient.json('GET', '/sync/care/'), 'wrong_role');
  });

  it('uses an invitation once; unknown, used and expired ones are one refusal, before any account is made', async () => {
    const invitation = await world.invite();
    expect((await register({ username: uniqueUsername('first'), password: TEST_PASSWORD, invitation })).status).toBe(201);
    const second = uniqueUsername('second');
    expectCode(await register({ username: second, password: TEST_PASSWORD, invitation }), 'invitation_invalid');
    expectCode(await register({ username: uniqueUsername(), password: TEST_PASSWORD, invitation: 'AAAAA-AAAAA-AAAAA-AAAAA-AAAAA' }), 'invitation_invalid');
    expectCode(await register({ username: uniqueUsername(), password: TEST_PASSWORD, invitation: 'not a code' }), 'invitation_invalid');

    const store = new StoreClient(storeUrlWithCredentials(world.store.url, TEST_ADMIN));
    try {
      const expired = await new Invitations(store, world.gateway.config.dbPrefix, () => Date.now() - 8 * DAY_MS).create(7);
      expectCode(await register({ username: uniqueUsername(), password: TEST_PASSWORD, invitation: expired.code }), 'invitation_invalid');
    } finally {
      await store.close();
    }
    // The refused registration left no account behind: the name is free.
    expect((await world.gateway.call('POST', '/auth/login', { body: { username: second, password: TEST_PASSWORD } })).status).toBe(401);
  });

  it('gives the invitation back when the registration fails on a taken name', async () => {
    const taken = (await world.gateway.register()).username as string;
    const invitation = await world.invite();
    expect((await register({ username: taken, password: TEST_PASSWORD, invitation })).status).toBe(409);
    expect((await register({ username: uniqueUsername('retry'), password: TEST_PASSWORD, invitation })).body.role).toBe('clinician');
  });

  it('of concurrent registrations with one invitation, exactly one makes a clinician', async () => {
    const invitation = await world.invite();
    const answers = await Promise.all(Array.from({ length: 4 }, () => register({ username: uniqueUsername('race'), password: TEST_PASSWORD, invitation })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 403, 403, 403]);
  });

  it('links a patient and a clinician by a share code; both list the link, with its history', async () => {
    const patient = await world.patient();
    const clinician = await world.clinician();
    const made = await patient.json('POST', '/api/care/share-codes');
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ code: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/), expiresAt: expect.any(String) });
    expect(Date.parse(made.body.expiresAt) - world.gateway.clock()).toBe(60_000);
    expect(made.headers.get('cache-control')).toBe('no-store');

    const redeemed = await clinician.json('POST', '/api/care/links', { code: made.body.code.replace('-', '').toLowerCase() });
    expect(redeemed.status).toBe(201);
    const link = {
      patientId: patient.userId,
      clinicianId: clinician.userId,
      patientUsername: patient.username,
      clinicianUsername: clinician.username,
      status: 'active',
      history: [{ event: 'linked', at: expect.any(String), by: 'clinician' }],
    };
    expect(redeemed.body).toEqual(link);
    expect((await patient.json('GET', '/api/care/links')).body).toEqual({ links: [link] });
    expect((await clinician.json('GET', '/api/care/links')).body).toEqual({ links: [link] });

    // The source of truth: one document per pair in the links database, for the worker.
    const stored = await world.store.json('GET', `/${systemDatabases(world.gateway.config.dbPrefix).links}/link:${patient.userId}:${clinician.userId}`);
    expect(stored.body).toMatchObject({ _id: `link:${patient.userId}:${clinician.userId}`, type: 'link', schemaVersion: 1, ...link });
  });

  it('gives a share code back when the store fails to write the link, so the same code links on retry', async () => {
    const patient = await world.patient();
    const clinician = await world.clinician();
    const code = await world.shareCode(patient);
    const { links } = systemDatabases(world.gateway.config.dbPrefix);
    // A real store fault: the links database is gone while the code is redeemed.
    expect((await world.store.json('DELETE', `/${links}`)).status).toBe(200);
    try {
      const failed = await clinician.json('POST', '/api/care/links', { code });
      expect(failed.status).toBeGreaterThanOrEqual(500);
    } finally {
      expect((await world.store.json('PUT', `/${links}`)).status).toBe(201);
      expect((await world.store.json('PUT', `/${links}/_security`, ADMIN_ONLY_SECURITY)).status).toBe(200);
    }
    const retried = await clinician.json('POST', '/api/care/links', { code });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ patientId: patient.userId, clinicianId: clinician.userId, status: 'active' });
  });

  it('revokes by the patient or the clinician, idempotently; a new code reactivates the same link', async () => {
    const patient = await world.patient();
    const clinician = await world.clinician();
    await world.link(patient, clinician);

    const revoked = await patient.json('DELETE', `/api/care/links/${clinician.userId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', history: [{ event: 'linked' }, { event: 'revoked', by: 'patient' }] });
    const again = await patient.json('DELETE', `/api/care/links/${clinician.userId}`);
    expect(again.body).toEqual(revoked.body);

    await world.link(patient, clinician);
    const ended = await clinician.json('DELETE', `/api/care/links/${patient.userId}`);
    expect(ended.body.status).toBe('revoked');
    expect(ended.body.history.map((e: Json) => `${e.event}:${e.by}`)).toEqual(['linked:clinician', 'revoked:patient', 'linked:clinician', 'revoked:clinician']);
    expect((await patient.json('GET', '/api/care/links')).body.links).toHaveLength(1);

    expectCode(await patient.json('DELETE', `/api/care/links/${patient.userId}`), 'link_not_found');
    expectCode(await patient.json('DELETE', '/api/care/links/not-a-user-id'), 'invalid_request');
  });

  it('of concurrent redeems of one share code, exactly one links', async () => {
    const patient = await world.patient();
    const clinicians = await Promise.all([world.clinician(), world.clinician(), world.clinician()]);
    const code = await world.shareCode(patient);
    const answers = await Promise.all(clinicians.map((c) => c.json('POST', '/api/care/links', { code })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 403, 403]);
    expect((await patient.json('GET', '/api/care/links')).body.links).toHaveLength(1);
  });

  it('keeps each role to its own routes', async () => {
    const patient = await world.patient();
    const clinician = await world.clinician();
    expectCode(await patient.json('POST', '/api/care/links', { code: 'AAAAA-AAAAA' }), 'wrong_role');
    expectCode(await clinician.json('POST', '/api/care/share-codes'), 'wrong_role');
    expectCode(await patient.json('GET', '/sync/care/'), 'wrong_role');
    expectCode(await clinician.json('GET', '/sync/sessions/'), 'wrong_role');
    expectCode(await clinician.json('GET', '/sync/progress/_changes'), 'wrong_role');
    expectCode(await clinician.json('GET', '/api/progress'), 'wrong_role');
    expectCode(await clinician.json('POST', '/api/sessions', { _id: 'x' }), 'wrong_role');
    expectCode(await clinician.json('POST', '/api/care/links', {}), 'invalid_request');
  });

  it('refuses a care body over 16 KiB with 413 body_too_large, though /api takes megabytes elsewhere', async () => {
    const clinician = await world.clinician();
    const big = await clinician.json('POST', '/api/care/links', { code: 'X'.repeat(20 * 1024) });
    expectCode(big, 'body_too_large');
    expect(big.body.reason).toContain(String(16 * 1024));
  });

  it('refuses a wrong, used or expired share code with one code, and caps live codes per patient', async () => {
    const patient = await world.patient();
    const first = await world.clinician();
    const second = await world.clinician();
    const code = await world.shareCode(patient);
    expectCode(await first.json('POST', '/api/care/links', { code: 'ZZZZZ-ZZZZZ' }), 'share_code_invalid');
    expect((await first.json('POST', '/api/care/links', { code })).status).toBe(201);
    expectCode(await second.json('POST', '/api/care/links', { code }), 'share_code_invalid');

    const late = await world.shareCode(patient);
    world.gateway.clock.advance(61_000);
    expectCode(await second.json('POST', '/api/care/links', { code: late }), 'share_code_invalid');
    expect((await patient.json('GET', '/api/care/links')).body.links.map((l: Json) => l.clinicianId)).toEqual([first.userId]);

    for (let i = 0; i < 5; i++) await world.shareCode(patient);
    const capped = await patient.json('POST', '/api/care/share-codes');
    expectCode(capped, 'too_many_attempts');
    expect(Number(capped.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('deletes a clinician with their care database, and revokes the links of a deleted account', async () => {
    const patient = await world.patient();
    const clinician = await world.clinician();
    await world.link(patient, clinician);
    expect((await clinician.json('DELETE', '/me', { password: TEST_PASSWORD })).status).toBe(200);
    expect((await world.store.json('GET', `/${clinician.careDb}`)).status).toBe(404);
    const [link] = (await patient.json('GET', '/api/care/links')).body.links;
    expect(link).toMatchObject({ status: 'revoked', history: [{ event: 'linked' }, { event: 'revoked', by: 'clinician' }] });

    const other = await world.clinician();
    const leaving = await world.patient();
    await world.link(leaving, other);
    const { links: linksDb } = systemDatabases(world.gateway.config.dbPrefix);
    const linkPath = `/${linksDb}/${encodeURIComponent(`link:${leaving.userId}:${other.userId}`)}`;
    expect((await world.store.json('GET', linkPath)).body.patientUsername).toBe(leaving.username);
    expect((await leaving.json('DELETE', '/me', { password: TEST_PASSWORD })).status).toBe(200);
    // The deleted patient leaves the clinician's list; the link stays, revoked, without the patient's name.
    expect((await other.json('GET', '/api/care/links')).body.links).toEqual([]);
    expect((await world.store.json('GET', linkPath)).body).toMatchObject({ status: 'revoked', patientUsername: '', history: [{}, { event: 'revoked', by: 'patient' }] });
    expect(await accountsDocs(`careindex:${other.userId}:`)).toEqual([]);
  });

  it("deletes every share code a patient made, used and expired ones too; a new code purges the expired ones", async () => {
    const patient = await world.patient();
    const clinician = await world.clinician();
    const codesOf = async () => (await accountsDocs('sharecode:')).filter((doc) => doc.patientId === patient.userId);
    await world.shareCode(patient);
    await world.shareCode(patient);
    world.gateway.clock.advance(61_000);
    expect(await codesOf()).toHaveLength(2);
    await world.link(patient, clinician); // a new code (the two expired ones go), used at once
    const left = await codesOf();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ usedBy: clinician.userId });
    await world.shareCode(patient);
    world.gateway.clock.advance(61_000);
    expect(await codesOf()).toHaveLength(2);
    expect((await patient.json('DELETE', '/me', { password: TEST_PASSWORD })).status).toBe(200);
    expect(await codesOf()).toEqual([]);
    expect(await accountsDocs(`sharecodes:${patient.userId}`)).toEqual([]);
  });

  it('m2m-gateway invite-clinician prints a working code once; an unknown command is a usage error', async () => {
    const env = { COUCHDB_URL: storeUrlWithCredentials(world.store.url, TEST_ADMIN), DB_PREFIX: world.gateway.config.dbPrefix, LOG_LEVEL: 'silent' };
    const [made, unknown] = await Promise.all([runBin(['invite-clinician', '--days', '2'], env), runBin(['invite-patient'], env)]);
    expect(made.code, made.stderr).toBe(0);
    const code = /^ {2}([0-9A-Z-]{29})$/m.exec(made.stdout)?.[1];
    expect(code).toBeDefined();
    expect(Date.parse(/valid until (\S+)\)/.exec(made.stdout)?.[1] ?? '') - Date.now()).toBeGreaterThan(DAY_MS);
    expect((await register({ username: uniqueUsername('bin'), password: TEST_PASSWORD, invitation: code })).body.role).toBe('clinician');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command invite-patient');
    expect(unknown.stderr).toContain('invite-clinician [--days N]');
  });

  it('invite-clinician: prints usage on a bad command line, names an unreachable store', async () => {
    const out: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } };
    expect(await runInviteClinician(['--days', '0'], {}, io)).toBe(2);
    expect(out.join('')).toContain('--days must be a whole number from 1 to 365');
    expect(await runInviteClinician(['--help'], {}, io)).toBe(0);
    expect(await runInviteClinician([], { COUCHDB_URL: 'http://admin:x@127.0.0.1:9', STORE_TIMEOUT_MS: '500' }, io)).toBe(1);
    expect(out.join('')).toMatch(/invite-clinician: .*unreachable/);
    const env = { COUCHDB_URL: storeUrlWithCredentials(world.store.url, TEST_ADMIN), DB_PREFIX: 'elsewhere-' };
    expect(await runInviteClinician([], env, io)).toBe(1);
    expect(out.join('')).toContain('has no elsewhere-accounts database');
  });
});
