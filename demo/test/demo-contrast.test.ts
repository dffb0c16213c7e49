import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The demo's stylesheet as shipped: every coloured text it declares on a plain background must be readable.
const CSS = readFileSync(new URL('../src/style.css', import.meta.url), 'utf8');
const VARIABLES = new Map([...CSS.matchAll(/(--[a-z-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1]!, m[2]!]));
const resolve = (value: string): string => value.replace(/var\((--[a-z-]+)\)/i, (_, name: string) => VARIABLES.get(name) ?? name);

/** WCAG 2 relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** Rules that set both a solid background and a text colour (badges, banners). */
const pairs = [...CSS.matchAll(/([^{}]+)\{[^}]*?background:\s*(#[0-9a-f]{6}|var\(--[a-z-]+\))\s*;[^}]*?(?<![-\w])color:\s*(#[0-9a-f]{6}|var\(--[a-z-]+\))/gi)].map((m) => ({
  rule: m[1]!.trim(),
  background: resolve(m[2]!),
  text: resolve(m[3]!),
}));

describe('the demo’s colours', () => {
  it('finds the badges and banners it checks', () => {
    expect(pairs.map((p) => p.rule)).toEqual(expect.arrayContaining(['.state-pending', '.state-confirmed', '.source-device', '.update-banner']));
  });

  it.each(pairs)('$rule: text at least 4.5:1 on its background (WCAG AA)', ({ background, text }) => {
    expect(contrast(text, background)).toBeGreaterThanOrEqual(4.5);
  });

  it.each(['--ok', '--warn', '--bad', '--muted', '--accent'])('%s text at least 4.5:1 on a white card', (name) => {
    expect(contrast(VARIABLES.get(name)!, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });
});
