import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { analysisApi } from './analysisApi.js';

if (!parentPort) throw new Error('nodeWorkerScript runs only as a worker thread');
Comlink.expose(analysisApi, nodeEndpoint(parentPort));
