// express-pouchdb 4.2.0 ships no types. Only what the embedded store uses is declared.
declare module 'express-pouchdb' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface ExpressPouchDBOptions {
    mode?: 'fullCouchDB' | 'minimumForPouchDB' | 'custom';
    overrideMode?: { include?: string[]; exclude?: string[] };
    configPath?: string;
    logPath?: string;
    inMemoryConfig?: boolean;
  }

  /** An Express 4 application: usable as a plain (req, res, next) handler. */
  interface ExpressPouchDBApp {
    (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
    setPouchDB(pouchDB: unknown): Promise<void>;
  }

  function expressPouchDB(pouchDB: unknown, opts?: ExpressPouchDBOptions): ExpressPouchDBApp;
  export = expressPouchDB;
}
