#!/usr/bin/env node
import { errorText } from '@m2m/service-kit';
import { runStore } from './runStore.js';

runStore().catch((err: unknown) => {
  // Configuration and file problems are for a person to fix: the message, not a stack.
  console.error(`m2m store: ${errorText(err)}`);
  process.exit(1);
});
