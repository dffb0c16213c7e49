import { careDatabase, userDatabases } from '@m2m/analysis-core';
import { storeUrlWithCredentials } from '@m2m/couch';
import { runInviteClinician } from '../../src/care/inviteCommand.js';
import { TEST_ADMIN } from '../../../store/test/storeFixture.js';
import { uniqueUsername, TEST_PASSWORD, type Json } from './gatewayHarness.js';
import { startProxyWorld, userClient, type ProxyUser, type ProxyWorld } from './proxyWorld.js';

export interface CareUser extends ProxyUser {
  username: string;
  role: 'patient' | 'clinician';
  /** The clinician's care database in the store (clinicians only). */
  careDb: string;
}

export interface CareWorld extends ProxyWorld {
  /** Runs `m2m-gateway invite-clinician` against the world's store; returns the printed code. */
  invite(days?: number): Promise<string>;
  patient(): Promise<CareUser>;
  clinician(): Promise<CareUser>;
  /** A patient's new share code (POST /api/care/share-codes). */
  shareCode(patient: CareUser): Promise<string>;
  /** A clinician redeems a patient's new code: the two are linked. */
  link(patient: CareUser, clinician: CareUser): Promise<void>;
  /** Writes a document into a clinician's care database as the worker would (admin). */
  putCareDoc(clinician: CareUser, doc: Json): Promise<string>;
}

/** The gateway world plus what the care team needs: invitations through the real command, both roles. */
export async function startCareWorld(env: Record<string, string> = {}): Promise<CareWorld> {
  // Long-lived access tokens: tests move the clock past share code lifetimes. The cheapest hash: the
  // subject here is who reaches what, and these tests register many accounts.
  const world = await startProxyWorld({ ACCESS_TOKEN_TTL_S: '86400', SCRYPT_LOG2_N: '10', ...env });
  const commandEnv = {
    COUCHDB_URL: storeUrlWithCredentials(world.store.url, TEST_ADMIN),
    DB_PREFIX: world.gateway.config.dbPrefix,
    LOG_LEVEL: 'silent',
  };
  const asCareUser = (body: Json, username: string): CareUser => {
    const client = userClient(world.gatewayUrl, body.userId, body.accessToken, { sessions: '', progress: '' });
    return { ...client, username, role: body.role, careDb: careDatabase(world.gateway.config.dbPrefix, body.userId) };
  };
  const careWorld: CareWorld = {
    ...world,
    async invite(days) {
      let out = '';
      let err = '';
      const io = { stdout: { write: (text: string) => (out += text) }, stderr: { write: (text: string) => (err += text) } };
      const code = await runInviteClinician(days === undefined ? [] : ['--days', String(days)], commandEnv, io);
      if (code !== 0) throw new Error(`invite-clinician exited ${code}: ${err}`);
      const match = /^ {2}([0-9A-Z-]+)$/m.exec(out);
      if (!match?.[1]) throw new Error(`no code in: ${out}`);
      return match[1];
    },
    async patient() {
      const registered = await world.gateway.register();
      return { ...asCareUser(registered, registered.username), dbs: userDatabases(world.gateway.config.dbPrefix, registered.userId) };
    },
    async clinician() {
      const username = uniqueUsername('clinician');
      const answer = await world.gateway.call('POST', '/auth/register', { body: { username, password: TEST_PASSWORD, invitation: await careWorld.invite() } });
      if (answer.status !== 201) throw new Error(`clinician registration: ${answer.status} ${answer.text}`);
      return asCareUser(answer.body, username);
    },
    async shareCode(patient) {
      const answer = await patient.json('POST', '/api/care/share-codes');
      if (answer.status !== 201) throw new Error(`share code: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.code as string;
    },
    async link(patient, clinician) {
      const answer = await clinician.json('POST', '/api/care/links', { code: await careWorld.shareCode(patient) });
      if (answer.status !== 201) throw new Error(`redeem: ${answer.status} ${JSON.stringify(answer.body)}`);
    },
    async putCareDoc(clinician, doc) {
      const answer = await world.store.json('PUT', `/${clinician.careDb}/${encodeURIComponent(doc._id)}`, doc);
      if (answer.status !== 201) throw new Error(`care doc: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.rev as string;
    },
  };
  return careWorld;
}
