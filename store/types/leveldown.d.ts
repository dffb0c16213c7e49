// The few calls of leveldown 6 the embedded store makes itself (the package ships no types).
declare module 'leveldown' {
  export type Callback<T = void> = (err: Error | undefined | null, value?: T) => void;
  export interface BatchOperation {
    type: 'put' | 'del';
    key: string;
    value?: string;
  }
  export interface LevelIterator {
    next(callback: (err: Error | null | undefined, key?: string, value?: string) => void): void;
    end(callback: (err?: Error | null) => void): void;
  }
  export interface LevelDown {
    /** 'open' while usable. */
    status: string;
    iterator(options: { gte?: string; lt?: string; reverse?: boolean; keyAsBuffer: false; valueAsBuffer: false }): LevelIterator;
    get(key: string, options: { asBuffer: false }, callback: Callback<string>): void;
    batch(operations: BatchOperation[], callback: Callback): void;
  }
  interface LevelDownConstructor {
    (location: string): LevelDown;
    destroy(location: string, callback: Callback): void;
  }
  const leveldown: LevelDownConstructor;
  export default leveldown;
}
