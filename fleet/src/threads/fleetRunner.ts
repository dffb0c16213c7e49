import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { checkFleetOptions, type FleetOptions } from '../fleetOptions.js';
import { summarize, type FleetSummary } from '../summary/fleetSummary.js';
import type { DeviceReport, DeviceRunOptions, FromThread, ToThread } from './threadProtocol.js';

/** Where a run stands: counts over the whole fleet, for a progress bar or a test that injects faults. */
export interface FleetProgress {
  phase: 'registering' | 'running' | 'done';
  devices: number;
  planned: number;
  registered: number;
  /** Registration attempts the gateway refused with 429. */
  rateLimited: number;
  recorded: number;
  uploaded: number;
  confirmed: number;
  /** Devices that have finished (checked and closed, or failed). */
  finished: number;
}

export interface RunHooks {
  onProgress?(progress: FleetProgress): void;
  /** Each device's full report, as it arrives (the summary keeps only totals). */
  onReport?(report: DeviceReport): void;
  /** A thread's throwaway device finished its session round trip (`warmRoundTrip`), before that thread's devices registered. */
  onWarmRoundTrip?(roundTripMs: number): void;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Leeway for start-up of the threads and the final checks on top of the run's own time limits. */
const WATCHDOG_MARGIN_MS = 120_000;

/**
 * Runs a simulated fleet against a gateway: the devices spread over worker
 * threads (at most `perThread` each), all registered before any records, then
 * each follows its seeded plan, settles and is checked. Resolves with the
 * summary once every device has reported, or a watchdog gave up on the rest.
 */
export async function runFleet(input: FleetOptions, hooks: RunHooks = {}): Promise<FleetSummary> {
  const options = checkFleetOptions(input);
  const runId = randomBytes(5).toString('hex');
  const deviceOptions: DeviceRunOptions = {
    url: options.url,
    runId,
    password: `sim-${runId}-passphrase`,
    seed: options.seed,
    sessions: options.sessions,
    intervalMs: options.intervalMs,
    offlineProb: options.offlineProb,
    flapMs: options.flapMs,
    sessionDurationS: options.sessionDurationS,
    warmUp: options.warmUp,
    warmRoundTrip: options.warmRoundTrip,
    retryMs: options.retryMs,
    analysis: options.analysis,
    clockSkewHours: options.clockSkewHours,
    syncOnReconnect: options.syncOnReconnect,
    registerTimeoutMs: options.registerTimeoutMs,
    settleTimeoutMs: options.settleTimeoutMs,
  };
  const groups: number[][] = [];
  for (let i = 0; i < options.devices; i += options.perThread) {
    groups.push(Array.from({ length: Math.min(options.perThread, options.devices - i) }, (_, k) => i + k));
  }

  const progress: FleetProgress = {
    phase: 'registering',
    devices: options.devices,
    planned: options.devices * options.sessions,
    registered: 0,
    rateLimited: 0,
    recorded: 0,
    uploaded: 0,
    confirmed: 0,
    finished: 0,
  };
  const tell = (): void => hooks.onProgress?.({ ...progress });
  const reports = new Map<number, DeviceReport>();
  /** Devices registered, or out of the run (reported or lost): recording starts when this holds them all. */
  const readyToRecord = new Set<number>();
  /** Devices reported or lost with their thread: the run ends when this holds them all. */
  const accounted = new Set<number>();
  const runProblems: string[] = [];
  const started = now();
  let goAt = 0;

  const threads = groups.map(() => new Worker(new URL('./deviceThread.js', import.meta.url)));
  const send = (thread: Worker, message: ToThread): void => thread.postMessage(message);
  // Registration slots, handed out first come first served across the threads.
  let freeSlots = options.registerConcurrency;
  const waitingForSlot: Worker[] = [];
  const wantSlot = (thread: Worker): void => {
    if (freeSlots > 0) {
      freeSlots -= 1;
      send(thread, { kind: 'register-slot' });
    } else {
      waitingForSlot.push(thread);
    }
  };
  const freeSlot = (): void => {
    const next = waitingForSlot.shift();
    if (next) send(next, { kind: 'register-slot' });
    else freeSlots += 1;
  };

  const planMs = options.sessions * options.intervalMs * 1.5 + options.flapMs;
  await new Promise<void>((resolve) => {
    const watchdog = setTimeout(
      () => {
        runProblems.push('the run took longer than its time limits allow; devices that had not reported are counted as failed');
        resolve();
      },
      options.registerTimeoutMs + planMs + options.settleTimeoutMs + WATCHDOG_MARGIN_MS,
    );
    const finishIfDone = (): void => {
      if (accounted.size < options.devices) return;
      clearTimeout(watchdog);
      resolve();
    };
    const startRecording = (): void => {
      if (goAt !== 0 || readyToRecord.size < options.devices) return;
      // A moment's notice, so that every thread hears of it before the first recording is due.
      goAt = now() + 200;
      progress.phase = 'running';
      tell();
      for (const thread of threads) send(thread, { kind: 'go', startAt: goAt });
    };
    const handle = (thread: Worker, message: FromThread): void => {
      switch (message.kind) {
        case 'want-register-slot':
          wantSlot(thread);
          return;
        case 'register-slot-free':
          freeSlot();
          return;
        case 'registered':
          progress.registered += 1;
          readyToRecord.add(message.device);
          startRecording();
          break;
        case 'rate-limited':
          progress.rateLimited += 1;
          break;
        case 'recorded':
          progress.recorded += 1;
          break;
        case 'uploaded':
          progress.uploaded += 1;
          break;
        case 'confirmed':
          progress.confirmed += 1;
          break;
        case 'warmed':
          hooks.onWarmRoundTrip?.(message.roundTripMs);
          break;
        case 'failed':
          if (runProblems.length < 20) runProblems.push(message.error);
          break;
        case 'report':
          reports.set(message.report.device, message.report);
          hooks.onReport?.(message.report);
          readyToRecord.add(message.report.device);
          accounted.add(message.report.device);
          progress.finished = accounted.size;
          startRecording();
          finishIfDone();
          break;
      }
      tell();
    };
    groups.forEach((devices, i) => {
      const thread = threads[i] as Worker;
      thread.on('message', (message: FromThread) => handle(thread, message));
      // A thread that dies takes its devices' reports with it: count them as failed and go on.
      const lost = (why: string): void => {
        const missing = devices.filter((d) => !accounted.has(d));
        if (missing.length === 0) return;
        runProblems.push(`the thread of devices ${devices[0]}–${devices[devices.length - 1]} ended early: ${why}`);
        for (const d of missing) {
          accounted.add(d);
          readyToRecord.add(d);
        }
        progress.finished = accounted.size;
        startRecording();
        finishIfDone();
      };
      thread.on('error', (err) => lost(err.message));
      thread.on('exit', (code) => lost(`exit code ${code}`));
      send(thread, { kind: 'start', options: deviceOptions, devices });
    });
  }).finally(() => Promise.all(threads.map((t) => t.terminate())));

  const ended = now();
  progress.phase = 'done';
  tell();
  return summarize([...reports.values()], {
    url: options.url,
    runId,
    seed: options.seed,
    devices: options.devices,
    sessionsPerDevice: options.sessions,
    threads: threads.length,
    registrationMs: (goAt || ended) - started,
    runMs: goAt ? ended - goAt : 0,
    runProblems,
  });
}
