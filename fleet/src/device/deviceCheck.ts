import type { AnalysisDoc } from '@m2m/analysis-core';
import type { M2MClient } from '@m2m/mobile-sdk';
import { firstValueFrom } from 'rxjs';
import type { DeviceCheck } from '../threads/threadProtocol.js';
import { auditIds, emptyAudit } from './idAudit.js';
import { progressProblem, withoutSource } from './progressCheck.js';
import { readServerCopy, type Credentials } from './serverCopy.js';

export interface CheckInput {
  client: M2MClient;
  /** Ids of the sessions this device recorded. */
  recorded: string[];
  url: string;
  /** The access token the device last sent. */
  token: string | null;
  credentials: Credentials;
}

/**
 * Everything that must hold once a device has settled: each recorded session
 * once on the device with the server's analysis, nothing pending, progress as
 * analysis-core computes it; and on the server each session once, in its
 * first revision, with an analysis of that revision.
 */
export async function checkDevice({ client, recorded, url, token, credentials }: CheckInput): Promise<DeviceCheck> {
  const entries = await firstValueFrom(client.sessions$());
  const analyses: AnalysisDoc[] = [];
  const unconfirmed: string[] = [];
  for (const id of recorded) {
    const analysis = await firstValueFrom(client.analysis$(id));
    if (analysis?.source !== 'server') {
      unconfirmed.push(id);
      continue;
    }
    analyses.push(withoutSource(analysis));
  }
  const check: DeviceCheck = {
    device: auditIds(recorded, entries.map((e) => e.session.id)),
    unconfirmed,
    server: emptyAudit(),
    rewritten: [],
    unanalysed: [],
    pendingUploads: (await firstValueFrom(client.syncStatus$())).pendingUploads,
    progressProblem: progressProblem(await firstValueFrom(client.progress$()), analyses),
    serverProblem: null,
  };
  try {
    const copy = await readServerCopy(url, token, credentials);
    check.server = auditIds(recorded, copy.sessions.map((s) => s.id));
    const revs = new Map(copy.sessions.map((s) => [s.id, s.rev]));
    const analysedRevs = new Map(copy.analyses.map((a) => [a.sessionId, a.sessionRev]));
    for (const id of recorded) {
      const rev = revs.get(id);
      if (rev !== undefined && !rev.startsWith('1-')) check.rewritten.push(id);
      if (rev === undefined || analysedRevs.get(id) !== rev) check.unanalysed.push(id);
    }
  } catch (err) {
    check.serverProblem = err instanceof Error ? err.message : String(err);
    check.unanalysed = [...recorded];
  }
  return check;
}
