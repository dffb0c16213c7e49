#!/usr/bin/env node
import { runStore } from './runStore.js';

runStore().catch((err: unknown) => {
  // Configuration and file problems are for a person to fix: the message, not a stack.
  console.error(`m2m store: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
