import { distribution, type Distribution } from '../stats/percentiles.js';
import { addWireCount, emptyWireCount, type WireCount } from '../network/wireMeter.js';
import type { DeviceReport } from '../threads/threadProtocol.js';

export interface FleetSummary {
  url: string;
  runId: string;
  seed: number;
  devices: number;
  sessionsPerDevice: number;
  threads: number;
  sessions: {
    /** devices × sessions per device. */
    planned: number;
    /** Stored on their device. */
    recorded: number;
    /** Reported by their device as on the server. */
    uploaded: number;
    /** With an analysis of their stored revision in the store (read through the gateway as the user). */
    analysed: number;
    /** With the server's analysis visible on their device. */
    confirmed: number;
    /** Recorded sessions absent somewhere they must be: on the device, in the store, or without their analysis. */
    missing: number;
    /** Sessions found twice in one place, or found where their device never recorded them. */
    duplicated: number;
    /** Sessions stored with more than one revision (written twice). */
    rewritten: number;
  };
  devicesFailed: number;
  devicesWithPendingUploads: number;
  /** Devices whose progress is not summarizeProgress of their server analyses. */
  progressMismatches: number;
  /** Session recorded on the device → server analysis visible on the device. */
  latencyMs: Distribution;
  /** The same, for sessions whose device stayed online from recording to confirmation. */
  latencyOnlineMs: Distribution;
  /** Session recorded → the device knows the server has it. */
  uploadMs: Distribution;
  /** The device knows the server has it → the server's analysis visible on the device (the server's part, and the pull). */
  serverMs: Distribution;
  /** Sessions uploaded per second, from the first recording to the last upload. */
  uploadsPerSecond: number | null;
  /** HTTP as the devices saw it: requests, failures, bytes (see WireMeter for what is counted). */
  wire: WireCount & { bytesPerSession: number | null };
  /** Requests refused or broken by the simulated network. */
  offlineFailures: number;
  seconds: { registration: number; run: number };
  /** The first problems met (devices' errors, checks' findings), at most 20. */
  problems: string[];
  /** Nothing missing, duplicated, rewritten or pending, every progress right, no device failed. */
  ok: boolean;
}

/** What the runner knows of the run besides the devices' reports. */
export interface RunFacts extends Pick<FleetSummary, 'url' | 'runId' | 'seed' | 'devices' | 'sessionsPerDevice' | 'threads'> {
  registrationMs: number;
  runMs: number;
  /** Problems of the run itself (threads that died, unhandled rejections). */
  runProblems: string[];
}

const MAX_PROBLEMS = 20;

/** The end-of-run summary from every device's report. */
export function summarize(reports: readonly DeviceReport[], facts: RunFacts): FleetSummary {
  const problems: string[] = [...facts.runProblems];
  const note = (text: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  let recorded = 0;
  let uploaded = 0;
  let analysed = 0;
  let confirmed = 0;
  let missing = 0;
  let duplicated = 0;
  let rewritten = 0;
  let devicesFailed = facts.devices - reports.length;
  let pendingDevices = 0;
  let progressMismatches = 0;
  let offlineFailures = 0;
  const wire = emptyWireCount();
  const latency: number[] = [];
  const latencyOnline: number[] = [];
  const upload: number[] = [];
  const server: number[] = [];
  let firstRecorded = Infinity;
  let lastUploaded = -Infinity;

  for (const report of reports) {
    const name = `device ${report.device} (${report.username})`;
    if (report.error !== null) {
      devicesFailed += 1;
      note(`${name}: ${report.error}`);
    }
    recorded += report.sessions.length;
    offlineFailures += report.offlineFailures;
    addWireCount(wire, report.wire);
    for (const s of report.sessions) {
      firstRecorded = Math.min(firstRecorded, s.recordedAt);
      if (s.uploadedAt !== null) {
        uploaded += 1;
        upload.push(s.uploadedAt - s.recordedAt);
        lastUploaded = Math.max(lastUploaded, s.uploadedAt);
      }
      if (s.confirmedAt !== null && s.uploadedAt !== null) server.push(Math.max(0, s.confirmedAt - s.uploadedAt));
      if (s.confirmedAt !== null) {
        confirmed += 1;
        latency.push(s.confirmedAt - s.recordedAt);
        if (!s.offlineBetween) latencyOnline.push(s.confirmedAt - s.recordedAt);
      }
    }
    const check = report.check;
    if (!check) {
      missing += report.sessions.length;
      continue;
    }
    const absent = new Set([...check.device.missing, ...check.unconfirmed, ...check.server.missing, ...check.unanalysed]);
    missing += absent.size;
    analysed += report.sessions.length - check.unanalysed.length;
    const twice = new Set([...check.device.duplicated, ...check.device.unexpected, ...check.server.duplicated, ...check.server.unexpected]);
    duplicated += twice.size;
    rewritten += check.rewritten.length;
    if (absent.size > 0) note(`${name}: ${absent.size} session(s) missing (device ${check.device.missing.length}, unconfirmed ${check.unconfirmed.length}, store ${check.server.missing.length}, unanalysed ${check.unanalysed.length})`);
    if (twice.size > 0) note(`${name}: ${twice.size} session(s) duplicated or unexpected`);
    if (check.rewritten.length > 0) note(`${name}: ${check.rewritten.length} session(s) stored with a second revision`);
    if (check.pendingUploads > 0) {
      pendingDevices += 1;
      note(`${name}: ${check.pendingUploads} upload(s) still pending`);
    }
    if (check.progressProblem !== null) {
      progressMismatches += 1;
      note(`${name}: ${check.progressProblem}`);
    }
    if (check.serverProblem !== null) note(`${name}: the store could not be read through the gateway: ${check.serverProblem}`);
  }
  const planned = facts.devices * facts.sessionsPerDevice;
  // Sessions never recorded (a device failed first) are missing too.
  missing += Math.max(0, planned - recorded);
  const uploadSpanMs = lastUploaded - firstRecorded;
  return {
    url: facts.url,
    runId: facts.runId,
    seed: facts.seed,
    devices: facts.devices,
    sessionsPerDevice: facts.sessionsPerDevice,
    threads: facts.threads,
    sessions: { planned, recorded, uploaded, analysed, confirmed, missing, duplicated, rewritten },
    devicesFailed,
    devicesWithPendingUploads: pendingDevices,
    progressMismatches,
    latencyMs: distribution(latency),
    latencyOnlineMs: distribution(latencyOnline),
    uploadMs: distribution(upload),
    serverMs: distribution(server),
    uploadsPerSecond: uploaded > 0 && uploadSpanMs > 0 ? round(uploaded / (uploadSpanMs / 1000), 1) : null,
    wire: { ...wire, bytesPerSession: recorded > 0 ? Math.round((wire.bytesUp + wire.bytesDown) / recorded) : null },
    offlineFailures,
    seconds: { registration: round(facts.registrationMs / 1000, 1), run: round(facts.runMs / 1000, 1) },
    problems,
    ok:
      missing === 0 &&
      duplicated === 0 &&
      rewritten === 0 &&
      pendingDevices === 0 &&
      progressMismatches === 0 &&
      devicesFailed === 0 &&
      facts.runProblems.length === 0,
  };
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
