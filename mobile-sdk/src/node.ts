// The Node entry (tests, simulators): analysis in a worker thread.
import { inlineRunner } from './analysis/analysisApi.js';
import { nodeWorkerRunner } from './analysis/nodeWorker.js';
import { clientFactory } from './client.js';

export const createClient = clientFactory((mode) => (mode === 'inline' ? inlineRunner() : nodeWorkerRunner()));
export * from './publicApi.js';
