import * as Comlink from 'comlink';
import { analysisApi } from './analysisApi.js';

// Runs inside the Web Worker: the analysis never blocks the page.
Comlink.expose(analysisApi);
