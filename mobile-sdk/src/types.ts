import type { AnalysisDoc, ChannelSamples, ProgressDoc, Recording, Session } from '@m2m/analysis-core';
import type { Observable } from 'rxjs';
import type { RxStorage } from 'rxdb';
import type { CareLink, CarePatient, Role, ShareCode } from './care/careTypes.js';

export interface ClientOptions {
  /** The gateway's base URL, e.g. `https://sync.example.org`. */
  serverUrl: string;
  /** Any RxDB storage: Dexie (IndexedDB) in browsers and WebViews, memory in tests. */
  storage: RxStorage<unknown, unknown>;
  /** Where on-device analysis runs: a worker (default) or the calling thread. */
  analysis?: 'worker' | 'inline';
  /** Prefix of the local database names; one app install uses one name. Default `m2m`. */
  name?: string;
  /** How long replication waits before retrying after an error, in ms. Default 5000. */
  retryTimeMs?: number;
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch;
}

/** What the app recorded: game facts, raw channel arrays in their units (`scale` is the quantisation step) and events. */
export type RecordInput = Recording;
export type RecordedChannel = ChannelSamples;

/** Whether a result was computed on this device (provisional) or by the server. */
export type ResultSource = 'device' | 'server';
export type Sourced<T> = T & { source: ResultSource };

export interface SyncProblem {
  /** `rejected`: the gateway refused a session; `conflict`: another device's version won; `network`, `auth`, `gateway`: a request failed. */
  kind: 'rejected' | 'conflict' | 'network' | 'auth' | 'gateway';
  message: string;
  sessionId?: string;
  at: string;
}

/** Where on-device analysis runs; `reason` says why it runs inline (null in a worker). */
export interface AnalysisPlace {
  runsIn: 'worker' | 'inline';
  reason: string | null;
}

export interface SyncStatus {
  /** Whether the last request to the gateway got an answer. */
  online: boolean;
  /** Sessions on this device the server does not have yet (refused ones excluded). */
  pendingUploads: number;
  /** When the gateway last answered a replication request, ISO 8601. */
  lastSyncedAt: string | null;
  lastError: SyncProblem | null;
  /** The sign-in has ended (refresh refused): call login() again. */
  authRequired: boolean;
  /**
   * Where provisional analyses are computed: `worker`, or `inline` (the app's
   * own thread, same code and results) because the app chose it or the worker
   * could not start or load, e.g. its script is not reachable offline.
   */
  analysis: AnalysisPlace;
}

/** A session as the device shows it, with where it stands. */
export interface SessionEntry {
  session: Session;
  /** `pending`: not uploaded yet; `uploaded`: on the server; `rejected`: the server refused it. */
  upload: 'pending' | 'uploaded' | 'rejected';
  rejectedReason?: string;
}

export interface Mismatch {
  sessionId: string;
  analysisVersion: string;
  at: string;
}

/** Two versions of one session met; the server's was kept, this device's set aside. */
export interface SessionConflict {
  sessionId: string;
  kept: Record<string, unknown>;
  setAside: Record<string, unknown>;
  at: string;
}

export interface SignedInUser {
  userId: string;
  username: string;
  /** Which side of the app this account uses. */
  role: Role;
}

export interface RegisterOptions {
  /** An operator's invitation code (`m2m-gateway invite-clinician`): the account is a clinician's. */
  invitation?: string;
}

export interface M2MClient {
  register(username: string, password: string, options?: RegisterOptions): Promise<SignedInUser>;
  login(username: string, password: string): Promise<SignedInUser>;
  logout(): Promise<void>;
  deleteAccount(password: string): Promise<void>;
  /** The signed-in user, or null. */
  user(): SignedInUser | null;
  recordSession(input: RecordInput): Promise<Session>;
  sessions$(): Observable<SessionEntry[]>;
  analysis$(sessionId: string): Observable<Sourced<AnalysisDoc> | null>;
  progress$(): Observable<Sourced<ProgressDoc> | null>;
  mismatches$(): Observable<Mismatch[]>;
  /** Sessions changed on two devices: the version kept and the one set aside (newest 20). */
  conflicts$(): Observable<SessionConflict[]>;
  syncStatus$(): Observable<SyncStatus>;
  /** Retries every replication now instead of at the next retry time. */
  syncNow(): Promise<void>;
  /** Stops replication and closes the local databases. Data stays on the device. */
  close(): Promise<void>;

  /** The signed-in user's role, null when signed out. */
  role$(): Observable<Role | null>;

  // Consent. A call for the other role gets M2MError `wrong_role`, without a request.
  /** A patient: a single-use code for a clinician to redeem (needs the network). */
  createShareCode(): Promise<ShareCode>;
  /**
   * A patient: who follows them (active and revoked, with history, oldest
   * event first), from the device's copy, offline too. A clinician: their links, read from the
   * gateway when subscribed and after each redeem or revoke (online only).
   */
  links$(): Observable<CareLink[]>;
  /** A patient ends a clinician's link; a clinician ends their own link to a patient. Idempotent. */
  revokeLink(otherUserId: string): Promise<void>;

  // A clinician's view: a patient calling these gets M2MError `wrong_role` (the observables emit nothing for a patient).
  /** A clinician follows the patient who made the code (needs the network). */
  redeemShareCode(code: string): Promise<CareLink>;
  /** The followed patients, most attention first, from the device's copy. */
  patients$(): Observable<CarePatient[]>;
  patientProgress$(patientId: string): Observable<ProgressDoc | null>;
  /** A followed patient's analyses, newest session first. */
  patientAnalyses$(patientId: string): Observable<AnalysisDoc[]>;
  /** A followed patient's analyses as CSV from the device's copy: works offline. */
  exportPatientCsv(patientId: string): Promise<string>;
}
