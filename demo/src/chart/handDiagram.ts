import { svg } from '../dom.js';
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
 * A hand seen from the back, each finger coloured by its range of motion
 * (pale: little movement, deep: full movement) and labelled with its values.
 */
export function handDiagram(fingers: readonly FingerFacts[]): SVGSVGElement {
  const root = svg('svg', { viewBox: '0 0 460 300', class: 'hand', role: 'img', 'aria-label': 'Range of motion and smoothness per finger', 'data-testid': 'hand-diagram' });
  root.append(svg('rect', { x: 100, y: 150, width: 150, height: 130, rx: 50, class: 'palm' }));
  const labelX = 300;
  for (const [i, name] of FINGER_NAMES.entries()) {
    const facts = fingers.find((f) => f.finger === name);
    const place = LAYOUT[name];
    const share = facts?.rangeOfMotionDeg === null || facts?.rangeOfMotionDeg === undefined ? 0 : Math.min(1, Math.max(0, facts.rangeOfMotionDeg / FULL_RANGE_DEG));
    const finger = svg('rect', {
      x: place.x - 15,
      y: place.y - place.length,
      width: 30,
      height: place.length + 20,
      rx: 15,
      transform: `rotate(${place.angle} ${place.x} ${place.y})`,
      class: 'finger',
      fill: `rgb(47 111 223 / ${(0.15 + 0.85 * share).toFixed(2)})`,
      'data-testid': `hand-${name}`,
      'data-rom': facts?.rangeOfMotionDeg ?? '',
    });
    finger.append(svg('title', {}, `${name}: ${facts?.lines.join(', ') ?? 'no values'}`));
    root.append(finger);
    const y = 22 + i * 56;
    root.append(
      svg('text', { x: labelX, y, class: 'finger-name' }, name),
      ...(facts?.lines ?? ['no values']).map((line, k) => svg('text', { x: labelX, y: y + 16 + k * 15, class: 'finger-value' }, line)),
    );
  }
  return root;
}
