/** Entry point of one analysis thread: analyses each session it is sent and replies. */
import { parentPort } from 'node:worker_threads';
import { analyzeSession } from '@m2m/analysis-core';
import { conformAnalysis } from './conformAnalysis.js';
import type { AnalysisReply, AnalysisRequest, ThreadReady } from './threadProtocol.js';

if (!parentPort) throw new Error('analysisThread must run in a worker thread');
const port = parentPort;

port.on('message', (request: AnalysisRequest) => {
  const started = performance.now();
  // analyzeSession never throws: a bad session becomes an `invalid` analysis.
  const analysis = conformAnalysis(analyzeSession(request.doc));
  const reply: AnalysisReply = { jobId: request.jobId, analysis, durationMs: performance.now() - started };
  port.postMessage(reply);
});

const ready: ThreadReady = { ready: true };
port.postMessage(ready);
