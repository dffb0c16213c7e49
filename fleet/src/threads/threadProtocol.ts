import type { WireCount } from '../network/wireMeter.js';
import type { IdAudit } from '../device/idAudit.js';

/** What every device of a run is told (the same for all; each derives its own plan from `seed` and its index). */
export interface DeviceRunOptions {
  url: string;
  runId: string;
  password: string;
  seed: number;
  sessions: number;
  intervalMs: number;
  offlineProb: number;
  flapMs: number;
  sessionDurationS: number;
  /** The SDK's replication retry time. */
  retryMs: number;
  analysis: 'inline' | 'worker';
  /** Run the recording code on throwaway sessions before registering (warmRecordingCode). */
  warmUp: boolean;
  /** Before registering, one throwaway device per thread records a session and waits for its analysis (warmDeviceRoundTrip). */
  warmRoundTrip: boolean;
  /** Device i's clock is off by clockSkewHours[i % length] hours (empty: every clock right). */
  clockSkewHours: number[];
  /** Call syncNow() when the network comes back, as an app does on a connectivity event. */
  syncOnReconnect: boolean;
  /** How long registration may take (rate limits included), from the thread's start. */
  registerTimeoutMs: number;
  /** How long a device waits, after its last recording, for everything to be confirmed. */
  settleTimeoutMs: number;
}

/** Main thread → device thread. */
export type ToThread =
  | { kind: 'start'; options: DeviceRunOptions; devices: number[] }
  /** The thread may register one device now (the fleet registers a few at a time). */
  | { kind: 'register-slot' }
  /** Record from `startAt` (epoch ms) on: every device of the run shares the start. */
  | { kind: 'go'; startAt: number };

/** When a session went through each stage, epoch ms as seen by its device's thread. */
export interface SessionTiming {
  id: string;
  recordedAt: number;
  uploadedAt: number | null;
  confirmedAt: number | null;
  /** The device was offline at some point between recording and confirmation. */
  offlineBetween: boolean;
}

/** What the simulator found on a device and, as its user through the gateway, on the server. */
export interface DeviceCheck {
  device: IdAudit;
  /** Recorded sessions whose server analysis is not visible on the device. */
  unconfirmed: string[];
  server: IdAudit;
  /** Recorded sessions stored with more than one revision (written again). */
  rewritten: string[];
  /** Recorded sessions without an analysis of their stored revision in the user's progress database. */
  unanalysed: string[];
  pendingUploads: number;
  /** Null when the device's progress equals summarizeProgress of its server analyses; else why not. */
  progressProblem: string | null;
  /** The server could not be asked (e.g. unreachable): why. */
  serverProblem: string | null;
}

export interface DeviceReport {
  device: number;
  username: string;
  userId: string | null;
  clockSkewHours: number;
  sessions: SessionTiming[];
  wire: WireCount;
  /** Requests refused or broken by the simulated network. */
  offlineFailures: number;
  check: DeviceCheck | null;
  /** Why the device could not finish its run. */
  error: string | null;
}

/** Device thread → main thread. */
export type FromThread =
  | { kind: 'want-register-slot' }
  | { kind: 'register-slot-free' }
  | { kind: 'registered'; device: number }
  | { kind: 'rate-limited'; device: number }
  | { kind: 'recorded'; device: number }
  | { kind: 'uploaded'; device: number }
  | { kind: 'confirmed'; device: number }
  | { kind: 'report'; report: DeviceReport }
  /** The thread's throwaway device came back with its analysis (warmRoundTrip), recorded → analysis in `roundTripMs`. */
  | { kind: 'warmed'; roundTripMs: number }
  | { kind: 'failed'; error: string };
