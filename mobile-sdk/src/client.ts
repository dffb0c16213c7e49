import { isAccessTokenRefusal, type SignInAnswer } from '@m2m/contract';
import { BehaviorSubject, catchError, EMPTY, from, map, of, Subject, startWith, switchMap, type Observable } from 'rxjs';
import type { RxDatabase } from 'rxdb';
import type { RunnerFactory } from './analysis/analysisApi.js';
import { AuthApi } from './auth/authApi.js';
import { clearCredentials, credentialsFrom, readCredentials, writeCredentials, type StoredCredentials } from './auth/credentials.js';
import { readDeviceToken, writeDeviceToken } from './auth/deviceToken.js';
import { TokenKeeper } from './auth/tokenKeeper.js';
import { openDeviceDatabase } from './database/openDatabases.js';
import { GatewayError, M2MError, NetworkError, NotSignedInError } from './errors.js';
import { SignedIn } from './signedIn.js';
import { CareApi } from './care/careApi.js';
import type { CareLink, Role, ShareCode } from './care/careTypes.js';
import { ClinicianSignedIn } from './care/clinicianSignedIn.js';
import { roleOfAccessToken } from './care/roleClaim.js';

import { SyncStatusTracker } from './sync/syncStatusTracker.js';
import type { ClientOptions, M2MClient, RegisterOptions, SignedInUser, SyncStatus } from './types.js';

const DEFAULT_RETRY_MS = 5_000;

/** `createClient` for a platform: the platform decides where worker analysis runs. */
export function clientFactory(workerRunner: RunnerFactory) {
  return async function createClient(options: ClientOptions): Promise<M2MClient> {
    const serverUrl = parseServerUrl(options.serverUrl);
    const name = options.name ?? 'm2m';
    if (!/^[a-z][a-z0-9_-]{0,39}$/.test(name)) throw new M2MError('bad_option', 'name must be 1 to 40 of a-z, 0-9, "_" and "-", starting with a letter');
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    const device = await openDeviceDatabase(name, options.storage);
    const client = new Client({ ...options, serverUrl, name, fetch: fetchImpl }, device, workerRunner);
    try {
      await client.resume();
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  };
}

function parseServerUrl(raw: unknown): string {
  if (typeof raw !== 'string') throw new M2MError('bad_option', 'serverUrl must be a string');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new M2MError('bad_option', `serverUrl is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new M2MError('bad_option', 'serverUrl must be http: or https:');
  return url.href.replace(/\/+$/, '');
}

type ResolvedOptions = ClientOptions & { serverUrl: string; name: string; fetch: typeof fetch };

class Client implements M2MClient {
  private readonly api: AuthApi;
  private readonly status = new SyncStatusTracker();
  private readonly active = new BehaviorSubject<SignedIn | ClinicianSignedIn | null>(null);
  private keeper: TokenKeeper | null = null;
  private care: CareApi | null = null;
  /** A clinician's links are read again after each redeem or revoke. */
  private readonly linksChanged = new Subject<void>();
  private runner;
  private readonly placeSubscription;
  /** Sign-in changes run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly device: RxDatabase,
    workerRunner: RunnerFactory,
  ) {
    this.api = new AuthApi(options.serverUrl, options.fetch);
    this.runner = workerRunner(options.analysis ?? 'worker');
    this.placeSubscription = this.runner.place$.subscribe((place) => this.status.analysisPlace(place));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.closed) throw new M2MError('closed', 'the client is closed');
      return work();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Signs the stored user back in, offline or not. */
  resume(): Promise<void> {
    return this.serial(async () => {
      const stored = await readCredentials(this.device);
      if (stored) await this.open(stored);
    });
  }

  private async open(credentials: StoredCredentials): Promise<void> {
    const keeper = new TokenKeeper(credentials, this.api, (next) => writeCredentials(this.device, next));
    const common = {
      name: this.options.name,
      serverUrl: this.options.serverUrl,
      storage: this.options.storage,
      fetch: this.options.fetch,
      retryTimeMs: this.options.retryTimeMs ?? DEFAULT_RETRY_MS,
      keeper,
      status: this.status,
    };
    const signedIn = roleOfAccessToken(credentials.accessToken) === 'clinician' ? await ClinicianSignedIn.open(common) : await SignedIn.open({ ...common, runner: this.runner });
    // Completes with the keeper (on sign-out), so an old sign-in never speaks for the next one.
    keeper.ended.subscribe((reason) => this.status.signInEnded(reason));
    this.keeper = keeper;
    this.care = new CareApi(this.options.serverUrl, this.options.fetch, keeper);
    this.active.next(signedIn);
  }

  private async signIn(tokens: SignInAnswer, username: string): Promise<SignedInUser> {
    const credentials = credentialsFrom(tokens, username);
    // Opened first: a sign-in whose database cannot open is not remembered.
    await this.open(credentials);
    await writeCredentials(this.device, credentials);
    if (tokens.deviceToken) await writeDeviceToken(this.device, username, tokens.deviceToken);
    return { userId: credentials.userId, username, role: roleOfAccessToken(credentials.accessToken) };
  }

  /** Closes the signed-in user's part; `remove` also deletes their data from the device. */
  private async signOut(remove: boolean): Promise<void> {
    const signedIn = this.active.value;
    const keeper = this.keeper;
    this.active.next(null);
    this.keeper = null;
    this.care = null;
    // A refresh under way saves its tokens first; then nothing of this sign-in is written again.
    await keeper?.close();
    await clearCredentials(this.device);
    await signedIn?.close({ remove });
    this.status.reset();
  }

  register(username: string, password: string, options: RegisterOptions = {}): Promise<SignedInUser> {
    return this.serial(async () => {
      this.assertSignedOut();
      return this.signIn(await this.api.register(username, password, options.invitation), username);
    });
  }

  login(username: string, password: string): Promise<SignedInUser> {
    return this.serial(async () => {
      const current = this.keeper?.current;
      // Signing in again as the same user after the sign-in ended (authRequired) replaces the tokens.
      if (current && current.username.toLowerCase() !== username.toLowerCase()) this.assertSignedOut();
      const tokens = await this.api.login(username, password, await readDeviceToken(this.device, username));
      if (current) {
        const previous = this.keeper;
        await this.signOut(false);
        // The replaced sign-in's refresh token is revoked rather than left valid.
        if (previous) await this.api.logout(previous.current.refreshToken).catch(() => undefined);
      }
      return this.signIn(tokens, username);
    });
  }

  private assertSignedOut(): void {
    const current = this.keeper?.current;
    if (current) throw new M2MError('signed_in', `${current.username} is signed in: call logout() first`);
  }

  /** Ends the sign-in on this device. The user's unsent sessions stay and are sent after their next login. */
  logout(): Promise<void> {
    return this.serial(async () => {
      const keeper = this.keeper;
      await this.signOut(false);
      if (!keeper) return;
      // Read after sign-out: a refresh that was under way has rotated it.
      const refreshToken = keeper.current.refreshToken;
      try {
        await this.api.logout(refreshToken);
      } catch (err) {
        // Offline: the token expires by itself. Anything else is worth knowing.
        if (!(err instanceof NetworkError)) throw err;
      }
    });
  }

  deleteAccount(password: string): Promise<void> {
    return this.serial(async () => {
      const keeper = this.keeper;
      if (!keeper) throw new NotSignedInError('deleteAccount');
      await this.withFreshToken(keeper, (token) => this.api.deleteAccount(token, password));
      await this.signOut(true);
    });
  }

  /** Runs an account request, refreshing the access token once if the gateway refuses the token (not, say, the password). */
  private async withFreshToken<T>(keeper: TokenKeeper, request: (token: string) => Promise<T>): Promise<T> {
    const token = keeper.current.accessToken;
    try {
      return await request(token);
    } catch (err) {
      if (!(err instanceof GatewayError) || !isAccessTokenRefusal(err.code)) throw err;
      return request((await keeper.refresh(token, err.code)).accessToken);
    }
  }

  user(): SignedInUser | null {
    const current = this.keeper?.current;
    return current ? { userId: current.userId, username: current.username, role: roleOfAccessToken(current.accessToken) } : null;
  }

  role$(): Observable<Role | null> {
    return this.active.pipe(map((s) => (s === null ? null : s instanceof ClinicianSignedIn ? 'clinician' : 'patient')));
  }

  /** The signed-in patient's side, or the error saying why not. */
  private patientSide(action: string): SignedIn {
    const signedIn = this.active.value;
    if (!signedIn) throw new NotSignedInError(action);
    if (!(signedIn instanceof SignedIn)) throw new M2MError('wrong_role', `${action} is for patients; this account is a clinician's`);
    return signedIn;
  }

  /** The signed-in clinician's side, or the error saying why not. */
  private clinicianSide(action: string): ClinicianSignedIn {
    const signedIn = this.active.value;
    if (!signedIn) throw new NotSignedInError(action);
    if (!(signedIn instanceof ClinicianSignedIn)) throw new M2MError('wrong_role', `${action} is for clinicians; this account is a patient's`);
    return signedIn;
  }

  private careApi(action: string): CareApi {
    if (!this.care) throw new NotSignedInError(action);
    return this.care;
  }

  async createShareCode(): Promise<ShareCode> {
    this.patientSide('createShareCode');
    return this.careApi('createShareCode').createShareCode();
  }

  async redeemShareCode(code: string): Promise<CareLink> {
    this.clinicianSide('redeemShareCode');
    const link = await this.careApi('redeemShareCode').redeemShareCode(code);
    this.linksChanged.next();
    return link;
  }

  async revokeLink(otherUserId: string): Promise<void> {
    await this.careApi('revokeLink').revokeLink(otherUserId);
    this.linksChanged.next();
  }

  links$(): Observable<CareLink[]> {
    return this.active.pipe(
      switchMap((s) => {
        if (s instanceof SignedIn) return s.links$();
        const api = this.care;
        if (!s || !api) return of([]);
        // The clinician's links live on the server only; a failed read keeps the last list.
        return this.linksChanged.pipe(
          startWith(undefined),
          switchMap(() => from(api.links()).pipe(catchError(() => EMPTY))),
        );
      }),
    );
  }

  patients$() {
    return this.active.pipe(switchMap((s) => (s instanceof ClinicianSignedIn ? s.patients$() : of([]))));
  }

  patientProgress$(patientId: string) {
    return this.active.pipe(switchMap((s) => (s instanceof ClinicianSignedIn ? s.patientProgress$(patientId) : of(null))));
  }

  patientAnalyses$(patientId: string) {
    return this.active.pipe(switchMap((s) => (s instanceof ClinicianSignedIn ? s.patientAnalyses$(patientId) : of([]))));
  }

  async exportPatientCsv(patientId: string): Promise<string> {
    return this.clinicianSide('exportPatientCsv').exportPatientCsv(patientId);
  }

  /** In turn with sign-in changes: a session recorded during a logout belongs to the user signing out. */
  recordSession(input: Parameters<M2MClient['recordSession']>[0]) {
    return this.serial(async () => {
      return this.patientSide('recordSession').recordSession(input);
    });
  }

  sessions$() {
    return this.active.pipe(switchMap((s) => (s instanceof SignedIn ? s.sessions$() : of([]))));
  }

  analysis$(sessionId: string) {
    return this.active.pipe(switchMap((s) => (s instanceof SignedIn ? s.analysis$(sessionId) : of(null))));
  }

  progress$() {
    return this.active.pipe(switchMap((s) => (s instanceof SignedIn ? s.progress$() : of(null))));
  }

  mismatches$() {
    return this.active.pipe(switchMap((s) => (s instanceof SignedIn ? s.mismatches$() : of([]))));
  }

  conflicts$() {
    return this.active.pipe(switchMap((s) => (s instanceof SignedIn ? s.conflicts$() : of([]))));
  }

  syncStatus$(): Observable<SyncStatus> {
    return this.status.status$;
  }

  async syncNow(): Promise<void> {
    const signedIn = this.active.value;
    if (!signedIn) throw new NotSignedInError('syncNow');
    await signedIn.syncNow();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    const signedIn = this.active.value;
    this.active.next(null);
    this.active.complete();
    await signedIn?.close();
    await this.device.close();
    this.placeSubscription.unsubscribe();
    this.runner.release();
  }
}

