// Runs the built package in a worker thread: analyses the sessions it is sent
// and answers with the serialised documents, for the determinism test.
import { parentPort } from 'node:worker_threads';
import { analyzeSession, summarizeProgress } from '../../dist/index.js';

parentPort.on('message', (sessions) => {
  const analyses = sessions.map((s) => analyzeSession(s));
  parentPort.postMessage({
    analyses: analyses.map((a) => JSON.stringify(a)),
    progress: JSON.stringify(summarizeProgress(analyses)),
  });
});
