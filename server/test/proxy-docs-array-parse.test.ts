import { describe, expect, it } from 'vitest';
import { MAX_DOCS_PER_BULK } from '../src/proxy/bulkDocs.js';
import { parseDocsArray } from '../src/proxy/docsArrayParse.js';
import { parseJsonBytes } from '../src/proxy/jsonBytes.js';

const read = (text: string): unknown => parseDocsArray(Buffer.from(text, 'latin1'));

/** Strings that trip a scanner: quotes, backslashes before quotes, brackets and commas inside strings. */
const TRICKY = ['', '"', '\\', '\\"', '\\\\', '\\\\"', 'a,b', ']', '}', '[', '{', '"],[{', '\\\\\\"]', '\u0001\n\t', 'x'.repeat(300)];

/** A pseudo-random JSON value (seeded, so a failure can be replayed). */
function valueFrom(seed: number, depth = 0): unknown {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const make = (level: number): unknown => {
    switch (level > 4 ? next(4) : next(7)) {
      case 0:
        return TRICKY[next(TRICKY.length)];
      case 1:
        return next(2) === 0 ? next(1e6) / 7 : -next(100);
      case 2:
        return [true, false, null][next(3)];
      case 3:
        return `${TRICKY[next(TRICKY.length)]}${next(10)}`;
      case 4:
      case 5:
        return Object.fromEntries(Array.from({ length: next(4) }, () => [TRICKY[next(TRICKY.length)]! + String(next(5)), make(level + 1)]));
      default:
        return Array.from({ length: next(4) }, () => make(level + 1));
    }
  };
  return make(depth);
}

describe('parsing a batch of documents one document at a time', () => {
  it('gives what JSON.parse of the whole body gives, strings full of quotes, backslashes and brackets included', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const docs = Array.from({ length: 1 + (seed % 5) }, (_, i) => valueFrom(seed * 31 + i));
      const bodies = [JSON.stringify({ docs }), JSON.stringify({ docs, new_edits: seed % 2 === 0 }), JSON.stringify({ new_edits: false, docs }, null, seed % 3)];
      for (const body of bodies) expect(read(body), body).toEqual(JSON.parse(body));
    }
    expect(read(' \r\n{ "docs" : [ ] , "new_edits" : true }\t')).toEqual({ docs: [], new_edits: true });
    expect(read('{"docs":[1 , "a\\"]" ,{"b":["]"]}]}')).toEqual({ docs: [1, 'a"]', { b: [']'] }] });
  });

  it('leaves every other shape to JSON.parse of the whole body', () => {
    for (const body of [
      '{"docs":[],"extra":1}',
      '{"docs":[],"docs":[1]}',
      '{"d\\u006fcs":[]}',
      '{"new_edits":"false","docs":[]}',
      '{"new_edits":falsey,"docs":[]}',
      '{"docs":[]} x',
      '{"docs":[1,]}',
      '{"docs":[,1]}',
      '{"docs":[1 2]}',
      '{"docs":[{"a":1]}',
      '{"docs":[{"a":"1}]}',
      '{"docs":{}}',
      '{"new_edits":true}',
      '[{"docs":[]}]',
      '{"docs":[1]',
      '',
    ]) {
      expect(read(body), body).toBeUndefined();
    }
  });

  it('reads at most as many elements as a batch may hold, and leaves a longer array to JSON.parse', () => {
    const elements = (n: number): string => `{"docs":[${Array.from({ length: n }, (_, i) => `{"_id":"d${i}"}`).join(',')}]}`;
    expect((read(elements(MAX_DOCS_PER_BULK)) as { docs: unknown[] }).docs).toHaveLength(MAX_DOCS_PER_BULK);
    expect(read(elements(MAX_DOCS_PER_BULK + 1))).toBeUndefined();
    const long = Buffer.from(elements(MAX_DOCS_PER_BULK + 1));
    expect(parseJsonBytes(long)).toEqual({ value: JSON.parse(long.toString()) as unknown, utf8: long });
  });

  it('is what the proxy reads a body with: the same value and bytes, and the same 400 for bad JSON', () => {
    const body = Buffer.from(JSON.stringify({ docs: [{ _id: 'a', s: '\\"]' }], new_edits: false }));
    expect(parseJsonBytes(body)).toEqual({ value: { docs: [{ _id: 'a', s: '\\"]' }], new_edits: false }, utf8: body });
    expect(() => parseJsonBytes(Buffer.from('{"docs":[{"a":1},]}'))).toThrow(expect.objectContaining({ status: 400, reason: 'the request body is not valid JSON' }));
  });
});
