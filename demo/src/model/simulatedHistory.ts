import type { PlayChoices } from './playSession.js';

const DAY_MS = 86_400_000;
/** Days before today on which the simulated patient played: most days, some missed, as in real therapy. */
const PLAYED_DAYS_AGO = [14, 13, 11, 10, 8, 7, 5, 4, 2, 1] as const;

export interface SimulatedGame extends PlayChoices {
  startedAt: string;
  /** Fixed: the same two weeks every time, whose trends show the recovery rather than one draw's noise. */
  seed: number;
}

/** Seeds of the ten games: with them the movement trends over the history read as a recovery. */
const FIRST_SEED = 1000;

/**
 * A demo history: ten games over the past two weeks by a hand that recovers
 * (impairment from 0.8 to 0.2) and climbs the game levels, each dated on its
 * own day at mid-morning UTC. Real games are dated when they are played; only
 * this, clearly labelled in the page, dates games in the past.
 */
export function simulatedHistory(now: number): SimulatedGame[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const last = PLAYED_DAYS_AGO.length - 1;
  return PLAYED_DAYS_AGO.map((daysAgo, i) => ({
    startedAt: new Date(today - daysAgo * DAY_MS + 10 * 3_600_000 + i * 60_000).toISOString(),
    impairment: Math.round((0.8 - (0.6 * i) / last) * 100) / 100,
    durationS: 30,
    level: 1 + Math.floor((i * 3) / last),
    seed: FIRST_SEED + i,
  }));
}
