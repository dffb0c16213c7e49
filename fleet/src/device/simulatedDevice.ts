import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { synthesizeRecording } from '@m2m/analysis-core';
import { createClient, GatewayError, NetworkError, type M2MClient } from '@m2m/mobile-sdk';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { BehaviorSubject, filter, firstValueFrom, timeout, type Observable, type Subscription } from 'rxjs';
import { BearerTap } from '../network/bearerTap.js';
import { NetworkLink } from '../network/networkLink.js';
import { WireMeter } from '../network/wireMeter.js';
import type { DeviceReport, DeviceRunOptions, FromThread, SessionTiming } from '../threads/threadProtocol.js';
import { checkDevice } from './deviceCheck.js';
import { planDevice, touchesOffline, type DevicePlan } from './devicePlan.js';

/** Epoch ms from this thread's monotonic clock: comparable across threads, immune to clock steps. */
export const now = (): number => performance.timeOrigin + performance.now();

const HOUR_MS = 3_600_000;

/**
 * One simulated phone: a real SDK client on memory storage with its own
 * account, a seeded plan of recordings and network losses, and a record of
 * when each session was stored, uploaded and confirmed by the server.
 */
export class SimulatedDevice {
  private readonly link = new NetworkLink();
  private readonly meter = new WireMeter();
  private readonly bearer = new BearerTap();
  /** What the SDK gets as `fetch`: the radio, then the meter, then the real network. */
  private readonly fetch: typeof fetch;
  private readonly plan: DevicePlan;
  private readonly clockSkewMs: number;
  readonly username: string;
  private readonly timings = new Map<string, SessionTiming>();
  private readonly confirmed = new BehaviorSubject(0);
  private readonly subscriptions: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private client: M2MClient | null = null;
  private userId: string | null = null;
  private startAt = 0;
  /** The device's syncNow() calls, one after another and each given at most 2 s, so quick flaps do not pile them up. */
  private syncing: Promise<unknown> = Promise.resolve();

  constructor(
    readonly index: number,
    private readonly options: DeviceRunOptions,
    private readonly emit: (message: FromThread) => void,
  ) {
    this.fetch = this.bearer.wrap(this.link.wrap(this.meter.wrap(globalThis.fetch.bind(globalThis))));
    this.plan = planDevice(options, options.seed, index);
    const skews = options.clockSkewHours;
    this.clockSkewMs = skews.length > 0 ? (skews[index % skews.length] ?? 0) * HOUR_MS : 0;
    this.username = `sim-${options.runId}-${index}`;
  }

  /** Creates the client and registers its account, retrying while the gateway rate-limits or is unreachable. */
  async register(deadline: number): Promise<void> {
    const client = await createClient({
      serverUrl: this.options.url,
      storage: getRxStorageMemory(),
      name: `sim${this.index}`,
      analysis: this.options.analysis,
      retryTimeMs: this.options.retryMs,
      fetch: this.fetch,
    });
    this.client = client;
    // A registration whose answer was lost may have created the account: then log in.
    let mayExist = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const user = mayExist ? await client.login(this.username, this.options.password) : await client.register(this.username, this.options.password);
        this.userId = user.userId;
        return;
      } catch (err) {
        // Decided on the gateway's codes (@m2m/contract), never on its text.
        const code = err instanceof GatewayError ? err.code : undefined;
        const status = err instanceof GatewayError ? err.status : undefined;
        if (code === 'username_taken' && !mayExist) mayExist = true;
        else if (code === 'credentials_incorrect' && mayExist) mayExist = false; // the lost registration never landed
        else if (code === 'too_many_attempts') this.emit({ kind: 'rate-limited', device: this.index });
        else if (err instanceof NetworkError || (status !== undefined && status >= 500)) mayExist = true;
        else throw err;
        const wait = Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)) * (0.5 + Math.random());
        if (now() + wait > deadline) throw new Error(`registration did not succeed in time: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        await sleep(wait);
      }
    }
  }

  /** Records the plan's sessions from `startAt` on, going offline and online as planned. */
  async record(startAt: number): Promise<void> {
    const client = this.requireClient();
    this.startAt = startAt;
    for (const [from, to] of this.plan.offline) {
      this.at(from, () => this.link.setOnline(false));
      this.at(to, () => this.reconnected());
    }
    this.subscriptions.push(
      client.sessions$().subscribe((entries) => {
        for (const entry of entries) {
          const timing = this.timings.get(entry.session.id);
          if (!timing || timing.uploadedAt !== null || entry.upload !== 'uploaded') continue;
          timing.uploadedAt = now();
          this.emit({ kind: 'uploaded', device: this.index });
        }
      }),
    );
    for (let i = 0; i < this.plan.recordAtMs.length; i++) {
      const wait = startAt + (this.plan.recordAtMs[i] ?? 0) - now();
      if (wait > 0) await sleep(wait);
      await this.recordOne(this.plan.sessionSeeds[i] ?? i);
    }
    // The plan's last offline period may outlast the last recording.
    const back = startAt + (this.plan.offline[this.plan.offline.length - 1]?.[1] ?? 0) - now();
    if (back > 0) await sleep(back);
    this.link.setOnline(true);
  }

  private async recordOne(seed: number): Promise<void> {
    const client = this.requireClient();
    const durationS = this.options.sessionDurationS;
    // The game ended now by the device's clock, which may be hours wrong.
    const startedAt = new Date(Math.round(Date.now() + this.clockSkewMs - durationS * 1000)).toISOString();
    const session = await client.recordSession(synthesizeRecording({ seed, durationS, startedAt, level: 1 + (seed % 10) }));
    const timing: SessionTiming = { id: session.id, recordedAt: now(), uploadedAt: null, confirmedAt: null, offlineBetween: false };
    this.timings.set(session.id, timing);
    this.emit({ kind: 'recorded', device: this.index });
    const subscription = client.analysis$(session.id).subscribe((analysis) => {
      if (analysis?.source !== 'server' || timing.confirmedAt !== null) return;
      timing.confirmedAt = now();
      timing.offlineBetween = touchesOffline(this.plan, timing.recordedAt - this.startAt, timing.confirmedAt - this.startAt);
      this.emit({ kind: 'confirmed', device: this.index });
      this.confirmed.next(this.confirmed.value + 1);
      // Confirmed once is enough; the final check reads the analysis again.
      queueMicrotask(() => subscription.unsubscribe());
    });
    this.subscriptions.push(subscription);
  }

  /** The network is back: the app hears of it and asks for a sync at once instead of at the next retry. */
  private reconnected(): void {
    this.link.setOnline(true);
    if (!this.options.syncOnReconnect || !this.client) return;
    const client = this.client;
    this.syncing = this.syncing.then(() => Promise.race([client.syncNow().catch(() => undefined), sleep(2_000)]));
  }

  /** Waits until every session is confirmed, nothing waits for upload and the server's progress covers all (or the deadline). */
  async settle(deadline: number): Promise<void> {
    const client = this.requireClient();
    const total = this.timings.size;
    const until = <T>(source: Observable<T>, done: (value: T) => boolean): Promise<unknown> =>
      firstValueFrom(source.pipe(filter(done), timeout({ first: Math.max(0, deadline - now()) }))).catch(() => undefined);
    await until(this.confirmed, (n) => n >= total);
    await until(client.syncStatus$(), (s) => s.pendingUploads === 0);
    await until(client.progress$(), (p) => p?.source === 'server' && p.sessionCount + p.invalidSessionCount >= total);
  }

  /** Checks the device and the server against what was recorded, then closes the client. */
  async finish(error: string | null): Promise<DeviceReport> {
    const client = this.client;
    let check: DeviceReport['check'] = null;
    let failure = error;
    try {
      if (client && this.userId && error === null) {
        check = await checkDevice({
          client,
          recorded: [...this.timings.keys()],
          url: this.options.url,
          token: this.bearer.token,
          credentials: { username: this.username, password: this.options.password },
        });
      }
    } catch (err) {
      failure = `the final check failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      await this.close();
    }
    return {
      device: this.index,
      username: this.username,
      userId: this.userId,
      clockSkewHours: this.clockSkewMs / HOUR_MS,
      sessions: [...this.timings.values()],
      wire: { ...this.meter.count, errorStatuses: { ...this.meter.count.errorStatuses } },
      offlineFailures: this.link.failures,
      check,
      error: failure,
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.link.setOnline(true);
    const client = this.client;
    this.client = null;
    await this.syncing;
    await client?.close();
  }

  /** Runs `action` at `offsetMs` after the start. */
  private at(offsetMs: number, action: () => void): void {
    this.timers.push(setTimeout(action, Math.max(0, this.startAt + offsetMs - now())));
  }

  private requireClient(): M2MClient {
    if (!this.client) throw new Error(`device ${this.index} has no client`);
    return this.client;
  }
}
