import type { FleetProgress } from '../threads/fleetRunner.js';

/** The bar's share and label for where a run stands: registration first, then confirmed sessions. */
export function progressLine(p: FleetProgress): { done: number; total: number; label: string } {
  if (p.phase === 'registering') {
    const limited = p.rateLimited > 0 ? `, ${p.rateLimited} rate-limited attempts (AUTH_RATE_LIMIT_PER_CLIENT)` : '';
    return { done: p.registered, total: p.devices, label: `registering ${p.registered}/${p.devices} devices${limited}` };
  }
  return {
    done: p.confirmed,
    total: p.planned,
    label: `recorded ${p.recorded}, uploaded ${p.uploaded}, confirmed ${p.confirmed}/${p.planned}, devices done ${p.finished}/${p.devices}`,
  };
}
