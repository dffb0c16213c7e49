import { describe, expect, it } from 'vitest';
import { careDocuments, patientView } from '../src/care/careDocuments.js';
import { linkedAt, parseLinkDoc, parseLinkId } from '../src/care/linkDoc.js';
import { userIdFor } from './support/storeWorld.js';

const P = userIdFor(1901);
const C = userIdFor(1902);
const good = {
  _id: `link:${P}:${C}`,
  _rev: '2-a',
  type: 'link',
  schemaVersion: 1,
  patientId: P,
  clinicianId: C,
  patientUsername: 'pat',
  clinicianUsername: 'doc',
  status: 'active',
  history: [
    { event: 'linked', at: '2026-03-01T09:00:00.000Z', by: 'clinician' },
    { event: 'revoked', at: '2026-03-02T09:00:00.000Z', by: 'patient' },
    { event: 'linked', at: '2026-03-03T09:00:00.000Z', by: 'clinician' },
  ],
};

describe('link documents as the worker reads them', () => {
  it('reads a link and when its current sharing began', () => {
    const link = parseLinkDoc(good);
    expect(link).toEqual(good);
    expect(linkedAt(link as NonNullable<typeof link>)).toBe('2026-03-03T09:00:00.000Z');
    expect(parseLinkId(`link:${P}:${C}`)).toEqual({ patientId: P, clinicianId: C });
  });

  it.each([
    ['an id naming another pair', { ...good, _id: `link:${C}:${P}` }],
    ['a patient id that differs from the id', { ...good, patientId: userIdFor(1903) }],
    ['an unknown status', { ...good, status: 'paused' }],
    ['another type', { ...good, type: 'sharecode' }],
    ['a history that is not a list', { ...good, history: 'linked' }],
    ['a malformed id', { ...good, _id: `link:${P}:${C}:extra` }],
  ])('refuses %s', (_, doc) => {
    expect(parseLinkDoc(doc)).toBeNull();
  });

  it('drops history events it cannot read and keeps the rest', () => {
    const link = parseLinkDoc({ ...good, history: [...good.history, { event: 'hacked', at: 'x', by: 'patient' }, null] });
    expect(link?.history).toEqual(good.history);
  });

  it('copies no sensor data and leaves out analyses whose id the device cannot hold', () => {
    const link = parseLinkDoc(good) as NonNullable<ReturnType<typeof parseLinkDoc>>;
    const analysis = (sessionId: string) => ({ _id: `analysis:${sessionId}`, _rev: '1-a', type: 'analysis', sessionId, status: 'invalid', session: null, metrics: null, quality: null, reasons: [], notes: [] });
    const short = 'ses_01JZ0000000000000000000000';
    const long = `x${'y'.repeat(60)}`;
    const snapshot = { analyses: new Map([[`analysis:${short}`, analysis(short)], [`analysis:${long}`, analysis(long)]]), entries: new Map(), progress: undefined };
    const docs = careDocuments(link, patientView(P, snapshot, '2026-03-04T09:00:00.000Z'));
    expect(docs.map((d) => d._id)).toEqual([`patient:${P}`, `analysis:${P}:${short}`]);
    expect(docs.every((d) => d['patientId'] === P && d._rev === undefined)).toBe(true);
    expect(docs[1]?.['analysis']).toEqual({ id: `analysis:${short}`, type: 'analysis', sessionId: short, status: 'invalid', session: null, metrics: null, quality: null, reasons: [], notes: [] });
  });
});
