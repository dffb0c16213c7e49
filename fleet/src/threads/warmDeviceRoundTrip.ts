import { performance } from 'node:perf_hooks';
import { synthesizeRecording } from '@m2m/analysis-core';
import { createClient } from '@m2m/mobile-sdk';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, firstValueFrom, timeout } from 'rxjs';
import type { DeviceRunOptions } from './threadProtocol.js';

/** How long the throwaway session may take to come back analysed. */
const ROUND_TRIP_TIMEOUT_MS = 60_000;

export interface WarmRoundTrip {
  /** The throwaway account's name (its databases stay on the server, like any user's). */
  username: string;
  /** Recorded → the server's analysis on the device, ms. */
  roundTripMs: number;
}

/**
 * One throwaway device through a whole session before the thread's measured
 * devices exist: sign-up, replication start, a recording, its push, the
 * server's analysis and progress pulled back, and the client closed. That is
 * the code a phone's long-running app already has warm (the SDK, RxDB's
 * replication and storage, the results view), and the simulator's threads
 * would otherwise run it cold in the first seconds of recording, on the cores
 * the server uses. The measured devices keep their own accounts and
 * databases: nothing of a user's first session on the server is warmed.
 */
export async function warmDeviceRoundTrip(options: DeviceRunOptions, name: string, registrationSlot: () => Promise<() => void>): Promise<WarmRoundTrip> {
  const username = `sim-${options.runId}-warm-${name}`;
  const client = await createClient({
    serverUrl: options.url,
    storage: getRxStorageMemory(),
    name: `warm${name}`,
    analysis: options.analysis,
    retryTimeMs: options.retryMs,
  });
  try {
    const free = await registrationSlot();
    try {
      await client.register(username, options.password);
    } finally {
      free();
    }
    const durationS = options.sessionDurationS;
    const recording = synthesizeRecording({ seed: 15_485_863, durationS, startedAt: new Date(Date.now() - durationS * 1000).toISOString() });
    const session = await client.recordSession(recording);
    const recordedAt = performance.now();
    // What a measured device watches too: its sessions' upload state, the analysis, the progress.
    await firstValueFrom(client.analysis$(session.id).pipe(filter((a) => a?.source === 'server'), timeout(ROUND_TRIP_TIMEOUT_MS)));
    const roundTripMs = performance.now() - recordedAt;
    await firstValueFrom(client.sessions$().pipe(filter((entries) => entries.some((e) => e.upload === 'uploaded')), timeout(ROUND_TRIP_TIMEOUT_MS)));
    await firstValueFrom(client.progress$().pipe(filter((p) => p?.source === 'server' && p.sessionCount >= 1), timeout(ROUND_TRIP_TIMEOUT_MS)));
    return { username, roundTripMs };
  } finally {
    await client.close();
  }
}
