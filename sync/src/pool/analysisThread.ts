/** Entry point of one analysis thread: analyses each session it is sent and replies. */
import { parentPort } from 'node:worker_threads';
import { analyzeSession, synthesizeSession } from '@m2m/analysis-core';
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

// A thread's first analyses run code not yet compiled: 240-260 ms for a 15 s session against 1-3 ms once
// warm (measured on the shared 2-core machine). Short synthetic sessions take that cost before the thread
// says ready, so no user's session (the first after a start or a thread replacement) waits for it.
const WARM_UPS = 3;
for (let i = 0; i < WARM_UPS; i++) analyzeSession(synthesizeSession({ seed: i + 1, durationS: 5 }));

const ready: ThreadReady = { ready: true, warmUps: WARM_UPS };
port.postMessage(ready);
