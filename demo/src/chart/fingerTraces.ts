import { decodeSensors, flexChannelId, type Session } from '@m2m/analysis-core';
import type uPlot from 'uplot';
import { el } from '../dom.js';
import { FINGER_NAMES } from '../model/metricCatalog.js';
import { fittedChart, tooltipPlugin } from './uplotChart.js';

export const FINGER_COLOURS = ['#d9480f', '#2f6fdf', '#1f8a4c', '#8e44ad', '#b8860b'] as const;
/** Enough points for the eye on any screen; a three-minute game at 100 Hz has 18,000 per finger. */
const MAX_POINTS = 2_000;

/** The five flex angles of a game over its time, one coloured line per finger. */
export function fingerTraces(session: Session): HTMLElement {
  const holder = el('div', { class: 'chart', role: 'img', 'aria-label': 'Finger flex angles (°) over the game (s)', 'data-testid': 'finger-traces' });
  let decoded;
  try {
    decoded = decodeSensors(session.sensors);
  } catch (err) {
    holder.append(el('p', { class: 'error' }, `The recording cannot be read: ${err instanceof Error ? err.message : String(err)}`));
    return holder;
  }
  const byId = new Map(decoded.channels.map((c) => [c.id, c.values]));
  const total = decoded.channels[0]?.values.length ?? 0;
  const step = Math.max(1, Math.ceil(total / MAX_POINTS));
  const xs: number[] = [];
  for (let i = 0; i < total; i += step) xs.push(i / decoded.sampleRateHz);
  const series = FINGER_NAMES.map((finger) => {
    const values = byId.get(flexChannelId(finger));
    return xs.map((_, k) => {
      const v = values?.[k * step];
      return v === undefined || Number.isNaN(v) ? null : v;
    });
  });
  holder.dataset['fingers'] = String(series.filter((s) => s.some((v) => v !== null)).length);

  const options: Omit<uPlot.Options, 'width'> = {
    height: 220,
    legend: { show: true, live: false },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: false } },
    axes: [
      { label: 'Time in the game (s)', labelSize: 18, size: 34, font: '11px system-ui', labelFont: '12px system-ui' },
      { label: 'Flex angle (°)', labelSize: 18, size: 48, font: '11px system-ui', labelFont: '12px system-ui' },
    ],
    series: [{}, ...FINGER_NAMES.map((finger, i) => ({ label: finger, stroke: FINGER_COLOURS[i] ?? '#333', width: 1.4, points: { show: false } }))],
    plugins: [
      tooltipPlugin((_u, idx) => {
        const t = xs[idx];
        if (t === undefined) return null;
        const parts = FINGER_NAMES.map((f, i) => `${f} ${series[i]![idx]?.toFixed(0) ?? '–'}°`);
        return `${t.toFixed(1)} s: ${parts.join(', ')}`;
      }),
    ],
  };
  fittedChart(holder, options, [xs, ...series]);
  return holder;
}
