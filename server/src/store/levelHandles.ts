import { createRequire } from 'node:module';

/** The part of a leveldown 6 database the stand-in reads directly. */
export interface LevelIterator {
  next(callback: (err: Error | null | undefined, key?: string, value?: string) => void): void;
  end(callback: (err?: Error | null) => void): void;
}
export interface LevelHandle {
  status: string;
  iterator(options: { gte?: string; lt?: string; reverse?: boolean; keyAsBuffer: false; valueAsBuffer: false }): LevelIterator;
}

type LeveldownFactory = ((location: string) => LevelHandle) & { destroy(location: string, callback: (err?: Error) => void): void };

/**
 * The leveldown databases PouchDB opens for one data folder, by location.
 * PouchDB keeps its LevelDB handle private and has no API to list `_local`
 * documents (CouchDB 3's `_local_docs`); handing PouchDB this factory lets
 * the stand-in read its local-document range while a database is open.
 */
export class LevelHandles {
  private readonly open = new Map<string, LevelHandle>();
  readonly factory: LeveldownFactory;

  constructor() {
    // leveldown 6 ships no types: LeveldownFactory describes the part used here.
    const base = createRequire(import.meta.url)('leveldown') as LeveldownFactory;
    const handles = this.open;
    // PouchDB groups its LevelDB instances by this function's name: one distinct from plain leveldown's.
    const trackedLeveldown = (location: string): LevelHandle => {
      const handle = base(location);
      handles.set(location, handle);
      return handle;
    };
    trackedLeveldown.destroy = (location: string, callback: (err?: Error) => void): void => {
      handles.delete(location);
      base.destroy(location, callback);
    };
    this.factory = trackedLeveldown;
  }

  /** The open handle at `location`, or undefined when PouchDB has not opened it or closed it since. */
  at(location: string): LevelHandle | undefined {
    const handle = this.open.get(location);
    if (handle && handle.status !== 'open') this.open.delete(location);
    return handle?.status === 'open' ? handle : undefined;
  }
}
