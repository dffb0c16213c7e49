import { el, svg } from '../dom.js';
import { FINGER_NAMES, type FingerName } from '../model/metricCatalog.js';

export interface FingerFacts {
  finger: FingerName;
  /** Range of motion in degrees, or null. */
  rangeOfMotionDeg: number | null;
  /** Text under the finger's name (its values). */
  lines: string[];
}

/** Where each finger stands on the drawing: base (x, y), length, angle. */
const LAYOUT: Record<FingerName, { x: number; y: number; length: number; angle: number }> = {
  thumb: { x: 92, y: 200, length: 70, angle: -50 },
  index: { x: 122, y: 150, length: 95, angle: -8 },
  middle: { x: 160, y: 144, length: 105, angle: 0 },
  ring: { x: 198, y: 150, length: 95, angle: 8 },
  little: { x: 232, y: 164, length: 72, angle: 16 },
};
/** A healthy finger's range of motion in these games, for the colour scale. */
const FULL_RANGE_DEG = 90;

/**
 * A hand seen from the back, each finger shaded by its range of motion
 * (pale: little movement, deep: full movement), beside a list of each
 * finger's values (HTML, so it stays readable on a phone).
 */
export function handDiagram(fingers: readonly FingerFacts[]): HTMLElement {
  const drawing = svg('svg', { viewBox: '30 30 240 260', class: 'hand', role: 'img', 'aria-label': 'Range of motion per finger, as shading' });
  drawing.append(svg('rect', { x: 100, y: 150, width: 150, height: 130, rx: 50, class: 'palm' }));
  const list = el('ul', { class: 'hand-values' });
  for (const name of FINGER_NAMES) {
    const facts = fingers.find((f) => f.finger === name);
    const place = LAYOUT[name];
    const rom = facts?.rangeOfMotionDeg ?? null;
    const share = rom === null ? 0 : Math.min(1, Math.max(0, rom / FULL_RANGE_DEG));
    const fill = `rgb(47 111 223 / ${(0.15 + 0.85 * share).toFixed(2)})`;
    const finger = svg('rect', {
      x: place.x - 15,
      y: place.y - place.length,
      width: 30,
      height: place.length + 20,
      rx: 15,
      transform: `rotate(${place.angle} ${place.x} ${place.y})`,
      class: 'finger',
      fill,
      'data-testid': `hand-${name}`,
      'data-rom': rom ?? '',
    });
    finger.append(svg('title', {}, `${name}: ${facts?.lines.join(', ') ?? 'no values'}`));
    drawing.append(finger);
    list.append(el('li', {}, el('span', { class: 'swatch', style: `background: ${fill}` }), el('strong', {}, name), ' ', (facts?.lines ?? ['no values']).join(' · ')));
  }
  return el('div', { class: 'hand-diagram', 'data-testid': 'hand-diagram' }, drawing, list);
}
