import { ANALYSES_CSV_HEADER } from '@m2m/analysis-core';
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byAttention, GatewayError, M2MError, type CarePatient, type M2MClient } from '@m2m/mobile-sdk';
import { newClient, recordingInput, uniqueName, waitFor } from './support/clients.js';
import { startSystem, type TestSystem } from './support/system.js';

const PASSWORD = 'correct horse battery';
// IndexedDB (fake-indexeddb in Node) keeps the clinician's data between two clients of one realm, as a phone does between launches.
const clinicianDevice = () => ({ storage: getRxStorageDexie({ indexedDB, IDBKeyRange }), name: `clinician${process.pid}` });

describe("the clinician's list order", () => {
  const entry = (username: string, attention: number) => ({ username, attention }) as CarePatient;
  it('puts the most attention first, then sorts by username', () => {
    expect([entry('bo', 1), entry('al', 3), entry('cy', 3), entry('di', 0)].sort(byAttention).map((p) => p.username)).toEqual(['al', 'cy', 'bo', 'di']);
  });
});

describe('the care team on the device', () => {
  let system: TestSystem;
  let patient: M2MClient;
  let clinician: M2MClient;
  let patientId: string;
  let patientName: string;
  let clinicianId: string;
  let sessionIds: string[];

  beforeAll(async () => {
    system = await startSystem();
    patient = await newClient(system.gatewayUrl);
    clinician = await newClient(system.gatewayUrl, clinicianDevice());
    patientName = uniqueName();
    patientId = (await patient.register(patientName, PASSWORD)).userId;
    sessionIds = [];
    for (const seed of [31, 32]) sessionIds.push((await patient.recordSession(recordingInput({ seed }))).id);
    await waitFor(patient.progress$(), (p) => p?.source === 'server' && p.sessionCount === 2, "the patient's server progress");
  }, 120_000);

  afterAll(async () => {
    await patient?.close();
    await clinician?.close();
    await system?.close();
  });

  it('signs a clinician up with an invitation, and keeps each role to its own calls', async () => {
    const invitation = await system.inviteClinician();
    const user = await clinician.register(uniqueName(), PASSWORD, { invitation });
    clinicianId = user.userId;
    expect(user.role).toBe('clinician');
    expect(clinician.user()?.role).toBe('clinician');
    expect(await firstValueFrom(clinician.role$())).toBe('clinician');
    expect(patient.user()?.role).toBe('patient');

    // The same invitation twice: refused with the one code that leaks nothing.
    const second = await newClient(system.gatewayUrl);
    try {
      const refused = await second.register(uniqueName(), PASSWORD, { invitation }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(GatewayError);
      expect((refused as GatewayError).code).toBe('invitation_invalid');
      expect(second.user()).toBeNull();
    } finally {
      await second.close();
    }

    await expect(clinician.recordSession(recordingInput({ seed: 1 }))).rejects.toMatchObject({ code: 'wrong_role' });
    await expect(clinician.createShareCode()).rejects.toMatchObject({ code: 'wrong_role' });
    await expect(patient.redeemShareCode('ABCDE-FGHJK')).rejects.toMatchObject({ code: 'wrong_role' });
    await expect(patient.exportPatientCsv(patientId)).rejects.toMatchObject({ code: 'wrong_role' });
    await expect(patient.exportPatientCsv(patientId)).rejects.toBeInstanceOf(M2MError);
    expect(await firstValueFrom(patient.patients$())).toEqual([]);
  });

  it('follows a patient who shared a code: their flags, progress and analyses arrive, and export offline', async () => {
    const share = await patient.createShareCode();
    expect(share.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    // Typed as a person would: lower case, without the dash.
    const link = await clinician.redeemShareCode(share.code.replace('-', '').toLowerCase());
    expect(link).toMatchObject({ patientId, clinicianId, status: 'active' });

    const [listed] = await waitFor(clinician.patients$(), (ps) => ps.length === 1 && ps[0]!.sessionCount === 2, 'the patient in the list');
    expect(listed).toMatchObject({ patientId, username: patientName, sessionCount: 2 });
    expect(typeof listed!.attention).toBe('number');
    const analyses = await waitFor(clinician.patientAnalyses$(patientId), (a) => a.length === 2, "the patient's analyses");
    expect(analyses.map((a) => a.sessionId).sort()).toEqual([...sessionIds].sort());
    expect((await waitFor(clinician.patientProgress$(patientId), (p) => p !== null, "the patient's progress"))?.sessionCount).toBe(2);
    expect((await waitFor(clinician.links$(), (ls) => ls.length === 1, "the clinician's links"))[0]).toMatchObject({ patientId, status: 'active' });

    // The patient sees who follows them, from their own replicated data.
    const [follower] = await waitFor(patient.links$(), (ls) => ls.length === 1, 'the follower on the patient device');
    expect(follower).toMatchObject({ clinicianId, status: 'active' });
    expect(follower!.history.map((h) => h.event)).toEqual(['linked']);

    // A code is single use.
    const again = await clinician.redeemShareCode(share.code).catch((e: unknown) => e);
    expect((again as GatewayError).code).toBe('share_code_invalid');

    // Offline, and the app restarted: still the clinician's side, the list and the export from the device's copy.
    await system.stopGateway();
    try {
      await clinician.close();
      clinician = await newClient(system.gatewayUrl, clinicianDevice());
      expect(clinician.user()).toMatchObject({ userId: clinicianId, role: 'clinician' });
      const csv = await clinician.exportPatientCsv(patientId);
      const lines = csv.trimEnd().split('\r\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toBe(ANALYSES_CSV_HEADER.trimEnd());
      expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual([...sessionIds].sort());
      expect((await firstValueFrom(clinician.patients$())).map((p) => p.patientId)).toEqual([patientId]);
    } finally {
      await system.startGateway();
    }
  });

  it("drops a patient's data from the clinician's device when the patient revokes, after both tokens expired", async () => {
    // Two hours on: both access tokens have expired; the revoke and the pull refresh them.
    system.clock.offsetMs = 2 * 3600_000;
    await patient.revokeLink(clinicianId);
    await waitFor(clinician.patients$(), (ps) => ps.length === 0, 'the list to empty');
    expect(await waitFor(clinician.patientAnalyses$(patientId), (a) => a.length === 0, 'the analyses to leave')).toEqual([]);
    expect(await firstValueFrom(clinician.patientProgress$(patientId))).toBeNull();
    await expect(clinician.exportPatientCsv(patientId)).rejects.toMatchObject({ code: 'not_found' });
    const [follower] = await waitFor(patient.links$(), (ls) => ls[0]?.status === 'revoked', 'the revoke on the patient device');
    expect(follower!.history.map((h) => `${h.event}:${h.by}`)).toEqual(['linked:clinician', 'revoked:patient']);
    const status = await firstValueFrom(clinician.syncStatus$());
    expect(status).toMatchObject({ authRequired: false, online: true, pendingUploads: 0 });
    expect(status.lastSyncedAt).not.toBeNull();
  });

  it('lets a clinician end their own link, which the patient sees', async () => {
    await clinician.redeemShareCode((await patient.createShareCode()).code);
    await waitFor(clinician.patients$(), (ps) => ps.length === 1, 'the patient followed again');
    await waitFor(patient.links$(), (ls) => ls[0]?.status === 'active', 'the link active again on the patient device');
    await clinician.revokeLink(patientId);
    await waitFor(clinician.patients$(), (ps) => ps.length === 0, 'the list to empty');
    expect((await waitFor(clinician.links$(), (ls) => ls[0]?.status === 'revoked', "the clinician's links read again"))[0]!.history.at(-1)?.by).toBe('clinician');
    const [follower] = await waitFor(patient.links$(), (ls) => ls[0]?.status === 'revoked', 'the end on the patient device');
    expect(follower!.history.map((h) => `${h.event}:${h.by}`)).toEqual(['linked:clinician', 'revoked:patient', 'linked:clinician', 'revoked:clinician']);
  });
});
