import { careDatabase, userDatabases } from '@m2m/analysis-core';
import { systemDatabases } from '@m2m/couch';
import { expect } from 'vitest';
import { getDoc, PREFIX, type Json, type TestStore } from './storeWorld.js';

export const LINKS_DB = systemDatabases(PREFIX).links;

/** Creates the links database (as bootstrap does) and a clinician's care database (as registration does). */
export async function createLinksDatabase(store: TestStore): Promise<void> {
  const res = await store.json('PUT', `/${LINKS_DB}`);
  if (res.status !== 201 && res.status !== 412) throw new Error(`creating ${LINKS_DB}: ${res.status}`);
}

export async function createClinician(store: TestStore, clinicianId: string): Promise<string> {
  const db = careDatabase(PREFIX, clinicianId);
  const res = await store.json('PUT', `/${db}`);
  if (res.status !== 201 && res.status !== 412) throw new Error(`creating ${db}: ${res.status}`);
  return db;
}

/** Writes a link document into the links database as the gateway does (creating it or moving it to `status`). */
export async function writeLink(store: TestStore, patientId: string, clinicianId: string, status: 'active' | 'revoked', at = new Date().toISOString()): Promise<Json> {
  const id = `link:${patientId}:${clinicianId}`;
  const current = await getDoc(store, LINKS_DB, id);
  const event = { event: status === 'active' ? 'linked' : 'revoked', at, by: 'patient' };
  const doc = {
    _id: id,
    ...(current ? { _rev: current._rev } : {}),
    type: 'link',
    schemaVersion: 1,
    patientId,
    clinicianId,
    patientUsername: `patient-${patientId.slice(0, 4)}`,
    clinicianUsername: `clinician-${clinicianId.slice(0, 4)}`,
    status,
    history: [...(current?.history ?? []), event],
  };
  const res = await store.json('PUT', `/${LINKS_DB}/${encodeURIComponent(id)}`, doc);
  if (res.status !== 201) throw new Error(`writing ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...doc, _rev: res.body.rev };
}

/** The live documents of one patient in a care database, by id. */
export async function careDocsOf(store: TestStore, careDb: string, patientId: string): Promise<Map<string, Json>> {
  const res = await store.json('GET', `/${careDb}/_all_docs?include_docs=true`);
  if (res.status !== 200) throw new Error(`_all_docs ${careDb}: ${res.status}`);
  const docs = new Map<string, Json>();
  for (const row of res.body.rows as Json[]) if (row.doc?.patientId === patientId) docs.set(row.id, row.doc);
  return docs;
}

/**
 * Every document of the patient the care database ever held is deleted, and
 * each deletion is a bare tombstone (no body: the data left the database).
 */
export async function expectPatientGone(store: TestStore, careDb: string, patientId: string): Promise<void> {
  const res = await store.json('GET', `/${careDb}/_changes?include_docs=true&style=main_only`);
  const rows = (res.body.results as Json[]).filter((r) => String(r.id).endsWith(patientId) || String(r.id).startsWith(`analysis:${patientId}:`));
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row.deleted, row.id).toBe(true);
    expect(Object.keys(row.doc).sort(), row.id).toEqual(['_deleted', '_id', '_rev']);
  }
}

export const progressDbOf = (patientId: string): string => userDatabases(PREFIX, patientId).progress;
