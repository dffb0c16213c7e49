// The browser entry (also React Native and WebViews): analysis in a Web Worker.
import { inlineRunner } from './analysis/analysisApi.js';
import { browserWorkerRunner } from './analysis/browserWorker.js';
import { clientFactory } from './client.js';

export const createClient = clientFactory((mode) => (mode === 'inline' ? inlineRunner() : typeof Worker === 'undefined' ? inlineRunner('this platform has no Web Workers') : browserWorkerRunner()));
export * from './publicApi.js';
