import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { analysisSchema, progressSchema, sessionSchema } from '../src/model/schemas.js';
import { checkAgainstSchema, SUPPORTED_KEYWORDS, type JsonSchema } from '../src/model/schemaCheck.js';
import { analyzeSession } from '../src/analysis/analyzeSession.js';
import { summarizeProgress } from '../src/progress/summarizeProgress.js';
import { synthesizeSession } from '../src/synth/synthesizeSession.js';
import { copy, smallSession } from './fixtures.js';

/** The keywords a schema uses, with the path where each appears. */
function keywordsOf(schema: JsonSchema, path = ''): string[] {
  const found = Object.keys(schema).map((k) => `${path}:${k}`);
  for (const [key, sub] of Object.entries(schema.properties ?? {})) found.push(...keywordsOf(sub, `${path}/${key}`));
  if (schema.items) found.push(...keywordsOf(schema.items, `${path}/items`));
  return found;
}

const documentSchemas = { session: sessionSchema, analysis: analysisSchema, progress: progressSchema };
// RxDB's own keywords sit at the top level of a collection schema.
const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true, keywords: ['version', 'primaryKey'] });

describe('document schemas', () => {
  it.each(Object.entries(documentSchemas))('the %s schema uses only keywords the checker interprets', (_, schema) => {
    const unknown = keywordsOf(schema).filter((k) => {
      const [path, keyword] = k.split(':') as [string, string];
      return !SUPPORTED_KEYWORDS.has(keyword) && !(path === '' && (keyword === 'version' || keyword === 'primaryKey'));
    });
    expect(unknown).toEqual([]);
  });

  it.each(Object.entries(documentSchemas))('the %s schema compiles in Ajv strict mode', (_, schema) => {
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  const objectAt = (d: Record<string, unknown>, key: string): Record<string, unknown> => {
    const value = d[key];
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  };
  // Mutations that break or keep a document, to compare the checker with Ajv on both sides of the line.
  const mutations: ((d: Record<string, unknown>) => void)[] = [
    () => {},
    (d) => { d.level = 0; },
    (d) => { d.level = 'one'; },
    (d) => { d.extra = true; },
    (d) => { delete d.events; },
    (d) => { d.sensors = { ...objectAt(d, 'sensors'), channels: [{ id: 'x', unit: 'deg', scale: 0 }] }; },
    (d) => { d.sensors = { ...objectAt(d, 'sensors'), channels: [{ id: 'x', unit: 'deg', scale: 0.5, range: [1] }] }; },
    (d) => { d.events = [{ t: 1, kind: 'prompt', finger: 'index', extra: 1 }]; },
    (d) => { d.events = [{ t: 1, kind: 'pause' }]; },
    (d) => { d.startedAt = '2026-01-01 10:00'; },
    (d) => { d.device = { platform: 'ios', appVersion: '2', glove: { model: 'g', firmware: '1' }, model: 'iPhone' }; },
    (d) => { d.device = { platform: '', appVersion: '2', glove: { model: 'g', firmware: '1' } }; },
    (d) => { d.id = 'ses_01JZ00000000000000000000I0'; },
    (d) => { d.metrics = null; },
    (d) => { d.sessionRev = null; },
    (d) => { d.sessionRev = 5; },
    (d) => { d.status = 'maybe'; },
    (d) => { d.quality = { missingShare: 2 }; },
    (d) => { d.metrics = { overall: {}, fingers: {} }; },
    (d) => { d.sessionCount = -1; },
    (d) => { d.firstSessionAt = null; },
    (d) => { d.games = []; },
  ];

  const samples = {
    session: [smallSession(), synthesizeSession({ seed: 1, durationS: 5 })],
    analysis: [analyzeSession(smallSession()), analyzeSession(null), analyzeSession(synthesizeSession({ seed: 2, durationS: 20 }))],
    progress: [summarizeProgress([]), summarizeProgress([analyzeSession(synthesizeSession({ seed: 3, durationS: 20 }))])],
  };

  it.each(Object.entries(documentSchemas))('the checker and Ajv agree on valid and damaged %s documents', (name, schema) => {
    const validate = ajv.compile(schema);
    let refused = 0;
    for (const sample of samples[name as keyof typeof samples]) {
      for (const mutate of mutations) {
        const doc = copy(sample) as unknown as Record<string, unknown>;
        mutate(doc);
        const ours = checkAgainstSchema(schema, doc);
        expect(ours.length === 0, `${name} ${mutate.toString()}: ${JSON.stringify(ours)} vs ${JSON.stringify(validate.errors)}`).toBe(validate(doc));
        if (ours.length > 0) refused++;
      }
    }
    expect(refused).toBeGreaterThan(3);
  });
});
