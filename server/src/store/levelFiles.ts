// The package's tsconfig compiles src/ only; this pulls in the hand-written module declaration.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../../types/leveldown.d.ts" />
import leveldown, { type LevelDown } from 'leveldown';

/**
 * The LevelDB handles PouchDB opens, by location, so that the store can do
 * what PouchDB's LevelDB adapter does not offer (purge) on the same open
 * files. Handed to PouchDB as its `db` option; behaves as leveldown itself.
 */
export class LevelFiles {
  private readonly open = new Map<string, LevelDown>();

  /** The factory PouchDB calls (and whose `destroy` it calls when a database is deleted). */
  readonly factory: ((location: string) => LevelDown) & { destroy: (location: string, callback: (err?: Error | null) => void) => void };

  constructor() {
    const factory = (location: string): LevelDown => {
      const handle = leveldown(location);
      this.open.set(location, handle);
      return handle;
    };
    this.factory = Object.assign(factory, {
      destroy: (location: string, callback: (err?: Error | null) => void): void => {
        this.open.delete(location);
        leveldown.destroy(location, (err) => callback(err));
      },
    });
  }

  handle(location: string): LevelDown | undefined {
    return this.open.get(location);
  }
}
