// A child of `npm start` that stands in for a gateway still answering three requests: its stop takes 1.5 s.
import { writeFileSync } from 'node:fs';
import { createLogger, Lifecycle, runService } from '@m2m/service-kit';

const logger = createLogger({ service: 'slow-child', level: 'warn' });
const lifecycle = new Lifecycle({ logger });
const keepAlive = setInterval(() => {}, 60_000);
lifecycle.add({
  name: 'the gateway',
  // Signals are handled from here on: tell the test it may stop us.
  start: async () => writeFileSync(process.env['READY_FILE'] ?? '', 'ready'),
  stop: () => new Promise((resolve) => setTimeout(() => (clearInterval(keepAlive), resolve()), 1_500)),
  pending: () => '3 requests in flight',
});
await runService(lifecycle, logger);
process.exit(0);
