import { ActiveDatabaseFeeds } from '../feed/activeDatabaseFeeds.js';
import type { Component } from '@m2m/service-kit';

/** The followed `_changes` feeds of recently active databases (the fast path) as a part of the worker: following starts with news, `stop` ends every follow. */
export class LiveFeeds extends ActiveDatabaseFeeds implements Component {
  readonly name = 'live feeds';

  async start(): Promise<void> {
    // Nothing to start: a database is followed once it has news.
  }
}
