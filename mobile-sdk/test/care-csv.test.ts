import { analyzeSession, synthesizeSession } from '@m2m/analysis-core';
import { describe, expect, it } from 'vitest';
import { ANALYSES_CSV_COLUMNS, analysesCsv } from '@m2m/mobile-sdk';

describe("a patient's analyses as CSV", () => {
  const later = analyzeSession(synthesizeSession({ seed: 3, durationS: 10, startedAt: '2026-11-05T09:00:00.000Z' }));
  const earlier = analyzeSession(synthesizeSession({ seed: 4, durationS: 10, startedAt: '2026-11-02T09:00:00.000Z' }));

  it('has the documented header and one row per analysis, oldest session first', () => {
    const lines = analysesCsv('ann', [later, earlier]).split('\r\n');
    expect(lines[0]).toBe(ANALYSES_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    const first = lines[1]!.split(',');
    expect(first.slice(0, 3)).toEqual(['ann', earlier.sessionId, '2026-11-02T09:00:00.000Z']);
    expect(first[ANALYSES_CSV_COLUMNS.indexOf('rangeOfMotionDeg')]).toBe(String(earlier.metrics?.overall.rangeOfMotionDeg));
    expect(lines[2]!.split(',')[1]).toBe(later.sessionId);
  });

  it('quotes text that would break a row and never lets a spreadsheet read a formula', () => {
    const csv = analysesCsv('=HYPERLINK("x"),1', [earlier]);
    expect(csv.split('\r\n')[1]!.startsWith(`"'=HYPERLINK(""x""),1",`)).toBe(true);
  });

  it('leaves a missing metric empty', () => {
    const invalid = { ...earlier, status: 'invalid' as const, metrics: null, reasons: [{ code: 'too_short', message: 'too short' }] };
    const cells = analysesCsv('ann', [invalid]).split('\r\n')[1]!.split(',');
    expect(cells[ANALYSES_CSV_COLUMNS.indexOf('sparc')]).toBe('');
    expect(cells[ANALYSES_CSV_COLUMNS.indexOf('status')]).toBe('invalid');
    expect(cells[ANALYSES_CSV_COLUMNS.indexOf('reasons')]).toBe('too_short');
  });
});
