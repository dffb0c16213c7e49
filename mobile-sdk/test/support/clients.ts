import { synthesizeRecording, type SynthOptions } from '@m2m/analysis-core';
import { firstValueFrom, filter, timeout, type Observable } from 'rxjs';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { createClient, type ClientOptions, type M2MClient, type RecordInput } from '@m2m/mobile-sdk';

let counter = 0;

/** A client on memory storage with a database name of its own; the test closes it. */
export function newClient(serverUrl: string, options: Partial<ClientOptions> = {}): Promise<M2MClient> {
  counter += 1;
  return createClient({ serverUrl, storage: getRxStorageMemory(), name: `t${process.pid}n${counter}`, retryTimeMs: 200, ...options });
}

/** What the glove would have recorded for a synthetic game. */
export function recordingInput(options: SynthOptions): RecordInput {
  return synthesizeRecording({ durationS: 20, ...options });
}

/** The first value of an observable that passes `predicate`, or a timeout error naming `what`. */
export function waitFor<T>(source: Observable<T>, predicate: (value: T) => boolean, what: string, ms = 60_000): Promise<T> {
  return firstValueFrom(
    source.pipe(
      filter(predicate),
      timeout({ first: ms, with: () => Promise.reject(new Error(`timed out waiting for ${what}`)) }),
    ),
  );
}

export const uniqueName = (): string => `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
