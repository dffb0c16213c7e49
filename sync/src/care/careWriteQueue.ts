import { backoffDelay } from '@m2m/couch';

/** One patient whose copy in a clinician's care database is due. */
export interface DuePatient {
  patientId: string;
  /** Read what the care database and the patient's progress hold again, rather than trusting what is kept in memory. */
  fresh: boolean;
}

export interface CareWriteQueueOptions {
  /** Care databases written at once (each care database's writes run one round at a time). */
  concurrency: number;
  /** Patients per round (one `_bulk_docs` to the care database, more only for very large copies). */
  roundSize: number;
  /** Writes one round: the care database of `clinicianId` brought up to date for `patients`. */
  write(clinicianId: string, patients: DuePatient[]): Promise<void>;
  /** A round failed; it is retried after `retryInMs`. */
  onFailure(clinicianId: string, err: unknown, attempt: number, retryInMs: number): void;
}

interface Due {
  fresh: boolean;
  waiters: Array<{ resolve(): void; reject(err: unknown): void }>;
}

/**
 * The care databases' writes, off the patients' pipeline: a patient's batch
 * only marks them due here (in memory) and goes on to its checkpoint. Each
 * clinician's due patients are coalesced into rounds of at most `roundSize`
 * written together; at most `concurrency` care databases are written at once,
 * taken in turn (a clinician with many due patients goes to the back after
 * each round, so one clinician never holds the others up). A failed round
 * is retried with backoff, one patient a round until each of its patients
 * is written (one bad copy never holds the others). What is marked and not yet written when the
 * process ends is brought up to date by the start-up reconciliation.
 */
export class CareWriteQueue {
  private readonly due = new Map<string, Map<string, Due>>();
  private readonly ready: string[] = [];
  private readonly running = new Set<string>();
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  /** Per clinician, patients whose last round failed: until each is written, that care database is written one patient per round. */
  private readonly suspects = new Map<string, Set<string>>();
  private readonly rounds = new Set<Promise<void>>();
  private changed: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly options: CareWriteQueueOptions) {}

  /** Marks a patient due in a clinician's care database; `wait`: resolves once a round wrote it (rejects if that round failed). */
  mark(clinicianId: string, patientId: string, fresh: boolean, wait: true): Promise<void>;
  mark(clinicianId: string, patientId: string, fresh: boolean, wait?: false): void;
  mark(clinicianId: string, patientId: string, fresh: boolean, wait = false): Promise<void> | void {
    // Stopped: left to the next start's reconciliation.
    if (this.stopped) return wait ? Promise.reject(new Error('the care upkeep is stopped')) : undefined;
    let patients = this.due.get(clinicianId);
    if (!patients) this.due.set(clinicianId, (patients = new Map()));
    let entry = patients.get(patientId);
    if (!entry) patients.set(patientId, (entry = { fresh, waiters: [] }));
    entry.fresh ||= fresh;
    const done = wait ? new Promise<void>((resolve, reject) => (entry as Due).waiters.push({ resolve, reject })) : undefined;
    this.schedule(clinicianId);
    return done;
  }

  /** (clinician, patient) pairs marked and not yet written. */
  get pending(): number {
    let n = 0;
    for (const patients of this.due.values()) n += patients.size;
    return n;
  }

  /** Resolves once nothing is due, running or waiting for a retry. */
  async settled(): Promise<void> {
    while (this.due.size > 0 || this.running.size > 0 || this.delayed.size > 0) {
      if (this.stopped) return;
      await new Promise<void>((resolve) => this.changed.push(resolve));
    }
  }

  /** Takes no more rounds and waits for those under way; what is still due is left to the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    await Promise.allSettled([...this.rounds]);
    const left = new Error('the care upkeep stopped before this copy was written');
    for (const patients of this.due.values()) for (const entry of patients.values()) for (const w of entry.waiters) w.reject(left);
    this.due.clear();
    this.notify();
  }

  private schedule(clinicianId: string): void {
    if (this.running.has(clinicianId) || this.delayed.has(clinicianId) || this.ready.includes(clinicianId)) return;
    this.ready.push(clinicianId);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.options.concurrency && this.ready.length > 0) {
      const clinicianId = this.ready.shift() as string;
      this.running.add(clinicianId);
      const round = this.round(clinicianId);
      this.rounds.add(round);
      void round.finally(() => this.rounds.delete(round));
    }
  }

  private async round(clinicianId: string): Promise<void> {
    const patients = this.due.get(clinicianId) ?? new Map<string, Due>();
    const taken: Array<[string, Due]> = [];
    // After a failed round, one patient a round: a copy the store keeps refusing fails alone, and the others (a revoke too) get through.
    const limit = this.suspects.has(clinicianId) ? 1 : this.options.roundSize;
    for (const item of patients) {
      if (taken.length >= limit) break;
      taken.push(item);
    }
    for (const [patientId] of taken) patients.delete(patientId);
    if (patients.size === 0) this.due.delete(clinicianId);
    let retryInMs: number | undefined;
    try {
      await this.options.write(
        clinicianId,
        taken.map(([patientId, entry]) => ({ patientId, fresh: entry.fresh })),
      );
      this.failures.delete(clinicianId);
      const suspects = this.suspects.get(clinicianId);
      for (const [patientId] of taken) suspects?.delete(patientId);
      if (suspects?.size === 0) this.suspects.delete(clinicianId);
      for (const [, entry] of taken) for (const w of entry.waiters) w.resolve();
    } catch (err) {
      const attempt = (this.failures.get(clinicianId) ?? 0) + 1;
      this.failures.set(clinicianId, attempt);
      let suspects = this.suspects.get(clinicianId);
      if (!suspects) this.suspects.set(clinicianId, (suspects = new Set()));
      for (const [patientId] of taken) suspects.add(patientId);
      retryInMs = backoffDelay(attempt);
      this.options.onFailure(clinicianId, err, attempt, retryInMs);
      for (const [, entry] of taken) for (const w of entry.waiters) w.reject(err);
      // Due again, read afresh: what memory holds of the care database may be off after a failure.
      if (!this.stopped) for (const [patientId] of taken) this.mark(clinicianId, patientId, true);
    } finally {
      this.running.delete(clinicianId);
    }
    if (retryInMs !== undefined && !this.stopped) {
      const i = this.ready.indexOf(clinicianId);
      if (i >= 0) this.ready.splice(i, 1);
      const timer = setTimeout(() => {
        this.delayed.delete(clinicianId);
        if (this.due.has(clinicianId)) this.schedule(clinicianId);
        this.notify();
      }, retryInMs);
      timer.unref();
      this.delayed.set(clinicianId, timer);
    } else if (this.due.has(clinicianId)) {
      // Behind the clinicians already waiting: fair between care databases.
      this.schedule(clinicianId);
    }
    this.pump();
    this.notify();
  }

  private notify(): void {
    const changed = this.changed;
    this.changed = [];
    for (const resolve of changed) resolve();
  }
}
