// The package's tsconfig compiles src/ only; this pulls in the hand-written module declaration.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../types/leveldown.d.ts" />
import leveldown, { type LevelDown } from 'leveldown';

export type { LevelDown, LevelIterator } from 'leveldown';

type LeveldownFactory = ((location: string) => LevelDown) & { destroy(location: string, callback: (err?: Error | null) => void): void };

/**
 * The leveldown databases PouchDB opens for one data folder, by location.
 * PouchDB keeps its LevelDB handles private and offers neither CouchDB 3's
 * `_local_docs` nor `_purge`; handing PouchDB this factory as its `db`
 * option lets the stand-in do both on the same open files.
 */
export class LevelHandles {
  private readonly open = new Map<string, LevelDown>();
  readonly factory: LeveldownFactory;

  constructor() {
    const handles = this.open;
    // PouchDB groups its LevelDB instances by this function's name: one distinct from plain leveldown's.
    const trackedLeveldown = (location: string): LevelDown => {
      const handle = leveldown(location);
      handles.set(location, handle);
      return handle;
    };
    trackedLeveldown.destroy = (location: string, callback: (err?: Error | null) => void): void => {
      handles.delete(location);
      leveldown.destroy(location, (err) => callback(err));
    };
    this.factory = trackedLeveldown;
  }

  /** The open handle at `location`, or undefined when PouchDB has not opened it or closed it since. */
  at(location: string): LevelDown | undefined {
    const handle = this.open.get(location);
    if (handle && handle.status !== 'open') this.open.delete(location);
    return handle?.status === 'open' ? handle : undefined;
  }
}
