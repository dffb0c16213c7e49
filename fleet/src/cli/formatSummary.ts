import type { Distribution } from '../stats/percentiles.js';
import type { FleetSummary } from '../summary/fleetSummary.js';

const ms = (d: Distribution): string =>
  d.count === 0 ? 'none measured' : `p50 ${d.p50} ms, p95 ${d.p95} ms, p99 ${d.p99} ms, max ${d.max} ms (${d.count} sessions)`;

/** The summary as a person reads it on a terminal. */
export function formatSummary(s: FleetSummary): string {
  const n = s.sessions;
  const lines = [
    `${s.ok ? 'OK' : 'PROBLEMS'}: ${s.devices} devices × ${s.sessionsPerDevice} sessions against ${s.url} (run ${s.runId}, seed ${s.seed}, ${s.threads} threads)`,
    `sessions: planned ${n.planned}, recorded ${n.recorded}, uploaded ${n.uploaded}, analysed ${n.analysed}, confirmed on device ${n.confirmed}`,
    `missing ${n.missing}, duplicated ${n.duplicated}, written twice ${n.rewritten}; devices failed ${s.devicesFailed}, with pending uploads ${s.devicesWithPendingUploads}, progress mismatches ${s.progressMismatches}`,
    `device-to-device latency (recorded → server analysis on the device): ${ms(s.latencyMs)}`,
    `  of sessions whose device stayed online: ${ms(s.latencyOnlineMs)}`,
    `  recorded → uploaded: ${ms(s.uploadMs)}`,
    `  uploaded → analysis on the device: ${ms(s.serverMs)}`,
    `uploads per second: ${s.uploadsPerSecond ?? 'n/a'}`,
    `on the wire: ${s.wire.requests} requests (${s.wire.unanswered} unanswered, ${s.wire.errorAnswers} error answers${statuses(s.wire.errorStatuses)}), ${kib(s.wire.bytesUp)} up, ${kib(s.wire.bytesDown)} down, ${s.wire.bytesPerSession === null ? 'n/a' : kib(s.wire.bytesPerSession)} per session; ${s.offlineFailures} requests cut by the simulated network`,
    `time: registration ${s.seconds.registration} s, recording to last check ${s.seconds.run} s`,
  ];
  if (s.problems.length > 0) lines.push('problems:', ...s.problems.map((p) => `  - ${p}`));
  return lines.join('\n');
}

const statuses = (byStatus: Record<string, number>): string => {
  const parts = Object.entries(byStatus).map(([status, n]) => `${status} ×${n}`);
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
};

const kib = (bytes: number): string => (bytes < 10_240 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);
