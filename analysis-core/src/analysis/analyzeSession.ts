import { checkSession } from '../model/validateSession.js';
import { flexChannelId, GYRO_CHANNEL_IDS } from '../model/channels.js';
import { FINGERS } from '../model/types.js';
import type {
  AnalysisDoc, DecodedChannel, DecodedSensors, Finger, FingerMetrics, OverallMetrics, QualityReport, Reason, Session,
} from '../model/types.js';
import { ANALYSIS_VERSION } from '../version.js';
import { cleanSeriesInPlace, type CleanSeries } from '../signal/cleanSeries.js';
import { KINEMATIC_CUTOFF_HZ, lowPassEach } from '../signal/lowPass.js';
import { derivativeWithPeak } from '../signal/derivative.js';
import { median } from '../signal/percentile.js';
import { rangeOfMotion } from '../metrics/rangeOfMotion.js';
import { findRepetitions } from '../metrics/repetitions.js';
import { speedProfile, splitRepetition, type MovementSpan } from '../metrics/movements.js';
import { promptedRangeOfMotion } from '../metrics/promptedRange.js';
import { sparcOfFinite } from '../metrics/sparc.js';
import { ldljOfFiniteSpeed } from '../metrics/ldlj.js';
import { tremorShareOfClean } from '../metrics/tremor.js';
import { reactionTimesFromVelocity } from '../metrics/reactionTimes.js';
import { accuracy } from '../metrics/accuracy.js';
import { dataQuality, QualityTally } from '../metrics/dataQuality.js';
import type { ChannelLayout } from '../codec/sensorCodec.js';
import { DECIMALS, roundTo } from './rounding.js';
import { SamplePool } from './samplePool.js';
import { KeptViews } from '../signal/keptViews.js';

export interface AnalyzeOptions {
  /** The session's `_rev`; taken from the document's `_rev` when not given. */
  sessionRev?: string | null;
}

/**
 * The `analysis` document body for a session, in CouchDB's `_id`-less device
 * form (`id` = `analysis:<sessionId>`). A session that fails validation, or
 * holds no usable samples, yields `status: 'invalid'` with reasons. Never throws.
 */
export function analyzeSession(doc: unknown, options: AnalyzeOptions = {}): AnalysisDoc {
  const sessionId = sessionIdOf(doc);
  const sessionRev = options.sessionRev !== undefined ? options.sessionRev : revOf(doc);
  // A getter in the document could start another analysis inside this one: that one decodes into fresh arrays.
  const outer = !poolInUse;
  poolInUse = true;
  if (outer) pool.reset();
  const samples = outer ? pool.take : freshSamples;
  try {
    // Data quality counts each channel as it is decoded, while its samples are in the cache.
    let tally: QualityTally | undefined;
    const layouts = new Map<string, ChannelLayout>();
    const checked = checkSession(doc, samples, (channel, layout) => {
      tally ??= new QualityTally(channel.values.length);
      tally.add(channel, layout);
      layouts.set(channel.id, layout);
    });
    if (!checked.ok) {
      return invalid(sessionId, sessionRev, checked.errors.map((e) => ({ code: 'invalid-session', message: `${e.path} ${e.message}` })));
    }
    const fs = checked.sensors.sampleRateHz;
    const quality = tally !== undefined ? tally.report(fs) : dataQuality(checked.sensors.channels, fs);
    return analyzeValid(checked.session, checked.sensors, layouts, quality, sessionRev, samples);
  } catch (err) {
    // A bug must not stop the pipeline: record it on the session and go on.
    return invalid(sessionId, sessionRev, [{ code: 'analysis-error', message: err instanceof Error ? err.message : String(err) }]);
  } finally {
    if (outer) poolInUse = false;
  }
}

/** The decoded channels' and the filtered signals' arrays, reused by each analysis (they never leave it; see SamplePool). */
const pool = new SamplePool();
let poolInUse = false;
const freshSamples = (n: number): Float64Array => new Float64Array(n);

function analyzeValid(
  session: Session,
  sensors: DecodedSensors,
  layouts: Map<string, ChannelLayout>,
  rawQuality: QualityReport,
  sessionRev: string | null,
  samples: (n: number) => Float64Array,
): AnalysisDoc {
  const fs = sensors.sampleRateHz;
  const quality = roundQuality(rawQuality);
  const sampleCount = sensors.channels[0]?.values.length ?? 0;
  if (sampleCount === 0) return invalid(session.id, sessionRev, [{ code: 'no-samples', message: 'the session holds no sensor samples' }]);
  const analysed = sensors.channels.filter((c) => c.id.startsWith('flex.') || c.id.startsWith('gyro.'));
  if (!analysed.some((c) => hasFiniteSample(c.values))) {
    return invalid(session.id, sessionRev, [{ code: 'no-samples', message: 'every flex and gyroscope sample is missing' }]);
  }

  const notes: Reason[] = [];
  const byId = new Map(sensors.channels.map((c) => [c.id, c]));
  const fingers = {} as Record<Finger, FingerMetrics>;
  const all = emptySmoothness();
  const allDurations: number[] = [];
  const allReactionTimes: number[] = [];

  // The decoded angles are this analysis's own and not read again (data
  // quality has seen their gaps), so they are repaired in place; then every
  // finger is filtered in one call, which runs two fingers' filters at once.
  const channelNotes = FINGERS.map((): Reason[] => []);
  const cleaned = FINGERS.map((finger, i) => {
    const channel = channelWithUnit(byId, flexChannelId(finger), 'deg', channelNotes[i] as Reason[]);
    return channel ? cleanDecoded(channel, layouts) : null;
  });
  const present = cleaned.filter((c) => c !== null);
  const filteredAngles = present.map((c) => samples(c.values.length));
  lowPassEach(present.map((c) => c.values), fs, KINEMATIC_CUTOFF_HZ, filteredAngles);

  for (const [i, finger] of FINGERS.entries()) {
    const promptTimes = session.events.filter((e) => e.kind === 'prompt' && e.finger === finger).map((e) => e.t);
    notes.push(...(channelNotes[i] as Reason[]));
    const clean = cleaned[i] as CleanSeries | null;
    const result = clean ? analyzeFinger(clean, filteredAngles[present.indexOf(clean)] as Float64Array, fs, promptTimes, samples) : emptyFinger(promptTimes.length);
    for (const key of SMOOTHNESS_KEYS) all[key].push(...result.smoothness[key]);
    if (result.romUnprompted) {
      notes.push({ code: 'range-of-motion-unprompted', message: `${finger}: no prompt for this finger within its data, so its range of motion is the 5th–95th percentile spread of the whole session` });
    }
    allDurations.push(...result.durations);
    allReactionTimes.push(...result.reactionTimes);
    fingers[finger] = result.metrics;
  }

  const gyro = GYRO_CHANNEL_IDS.map((id) => channelWithUnit(byId, id, 'deg/s', notes));
  // The decoded gyroscope axes are read by nothing else, so they are cleaned in place.
  const tremor = gyro.every((c) => c !== undefined) ? tremorShareOfClean(gyro.map((c) => cleanDecoded(c, layouts).values), fs) : NaN;
  const { hits, misses, accuracy: acc } = accuracy(session.events);
  const fingerValues = FINGERS.map((f) => fingers[f]);

  const overall: OverallMetrics = {
    rangeOfMotionDeg: roundTo(mean(fingerValues.map((m) => m.rangeOfMotionDeg)), DECIMALS.deg),
    peakVelocityDegS: roundTo(mean(fingerValues.map((m) => m.peakVelocityDegS)), DECIMALS.degPerS),
    repetitions: fingerValues.reduce((sum, m) => sum + m.repetitions, 0),
    meanRepetitionS: roundTo(mean(allDurations), DECIMALS.seconds),
    ...smoothnessMedians(all),
    tremorShare: roundTo(tremor, DECIMALS.share),
    reactionTimeMs: roundTo(median(allReactionTimes), DECIMALS.ms),
    hits,
    misses,
    accuracy: roundTo(acc, DECIMALS.share),
  };
  notes.push(...explainMissing(overall));

  return {
    id: `analysis:${session.id}`,
    type: 'analysis',
    schemaVersion: 1,
    sessionId: session.id,
    sessionRev,
    analysisVersion: ANALYSIS_VERSION,
    status: 'ok',
    reasons: [],
    session: {
      gameId: session.gameId,
      level: session.level,
      startedAt: session.startedAt,
      durationMs: session.durationMs,
      score: session.score,
    },
    metrics: { overall, fingers },
    quality,
    notes,
  };
}

/** Per-movement smoothness values, by kind of movement and metric. */
interface Smoothness {
  sparcFlexion: number[];
  sparcExtension: number[];
  ldljFlexion: number[];
  ldljExtension: number[];
}
const SMOOTHNESS_KEYS = ['sparcFlexion', 'sparcExtension', 'ldljFlexion', 'ldljExtension'] as const;
const emptySmoothness = (): Smoothness => ({ sparcFlexion: [], sparcExtension: [], ldljFlexion: [], ldljExtension: [] });

/**
 * Medians, rounded: SPARC and LDLJ over every movement (flexions and
 * extensions together) and over each kind on its own.
 */
function smoothnessMedians(s: Smoothness): Pick<FingerMetrics, 'sparc' | 'ldlj' | (typeof SMOOTHNESS_KEYS)[number]> {
  const r = (values: number[]): number | null => roundTo(median(values), DECIMALS.smoothness);
  return {
    sparc: r([...s.sparcFlexion, ...s.sparcExtension]),
    ldlj: r([...s.ldljFlexion, ...s.ldljExtension]),
    sparcFlexion: r(s.sparcFlexion),
    sparcExtension: r(s.sparcExtension),
    ldljFlexion: r(s.ldljFlexion),
    ldljExtension: r(s.ldljExtension),
  };
}

interface FingerResult {
  metrics: FingerMetrics;
  smoothness: Smoothness;
  durations: number[];
  reactionTimes: number[];
  /** The range of motion fell back to the whole session: the finger had no prompt in the data. */
  romUnprompted: boolean;
}

/** One finger's metrics from its cleaned angle and that angle low-passed; the metrics share one derivative. */
function analyzeFinger(clean: CleanSeries, filtered: Float64Array, fs: number, promptTimes: number[], samples: (n: number) => Float64Array): FingerResult {
  const velocity = samples(filtered.length);
  // The peak speed comes with the derivative, in the same pass.
  const peak = derivativeWithPeak(filtered, fs, velocity);
  const repetitions = clean.values.length < 3 ? [] : findRepetitions(filtered, clean.offset, fs);

  // Smoothness per discrete movement: each repetition's flexion and extension on their own.
  const smoothness = emptySmoothness();
  const durations: number[] = [];
  const measure = (span: MovementSpan | null, sparcs: number[], ldljs: number[]): void => {
    if (span === null) return;
    const profile = speedProfile(velocity, span, profileScratch.view(span.offset - span.onset + 1));
    const s = sparcOfFinite(profile, fs);
    const l = ldljOfFiniteSpeed(profile, fs);
    if (Number.isFinite(s)) sparcs.push(s);
    if (Number.isFinite(l)) ldljs.push(l);
  };
  for (const rep of repetitions) {
    const at = clean.offset;
    const { flexion, extension } = splitRepetition(filtered, velocity, { start: rep.start - at, peak: rep.peak - at, end: rep.end - at });
    measure(flexion, smoothness.sparcFlexion, smoothness.ldljFlexion);
    measure(extension, smoothness.sparcExtension, smoothness.ldljExtension);
    if (flexion && extension) durations.push((extension.offset - flexion.onset) / fs);
  }
  const rts = clean.values.length < 3 ? [] : Array.from(reactionTimesFromVelocity(promptTimes, velocity, clean.offset, fs)).filter(Number.isFinite);
  const prompted = promptedRangeOfMotion(filtered, clean.offset, fs, promptTimes);
  const romUnprompted = Number.isNaN(prompted) && clean.values.length > 0;

  return {
    metrics: {
      rangeOfMotionDeg: roundTo(romUnprompted ? rangeOfMotion(clean.values) : prompted, DECIMALS.deg),
      peakVelocityDegS: roundTo(clean.values.length < 3 ? NaN : peak, DECIMALS.degPerS),
      repetitions: repetitions.length,
      meanRepetitionS: roundTo(mean(durations), DECIMALS.seconds),
      ...smoothnessMedians(smoothness),
      prompts: promptTimes.length,
      responses: rts.length,
      reactionTimeMs: roundTo(median(rts), DECIMALS.ms),
    },
    smoothness,
    durations,
    reactionTimes: rts,
    romUnprompted,
  };
}

/**
 * Speed profiles are read only while their movement is measured, so kept
 * arrays serve every movement (up to 2^16 samples, more than any one movement
 * SPARC takes). Safe inside a nested analysis too: each profile is used up
 * before the next one is asked for.
 */
const profileScratch = new KeptViews(1 << 16);

const emptyFinger = (prompts: number): FingerResult => ({
  metrics: {
    rangeOfMotionDeg: null, peakVelocityDegS: null, repetitions: 0, meanRepetitionS: null,
    sparc: null, ldlj: null, sparcFlexion: null, sparcExtension: null, ldljFlexion: null, ldljExtension: null,
    prompts, responses: 0, reactionTimeMs: null,
  },
  smoothness: emptySmoothness(), durations: [], reactionTimes: [], romUnprompted: false,
});

/**
 * `cleanSeriesInPlace` of a decoded channel. One the decoder found without a
 * missing sample and with finite extremes is finite everywhere, so cleaning
 * would leave it as it is and its scan is skipped.
 */
function cleanDecoded(channel: DecodedChannel, layouts: Map<string, ChannelLayout>): CleanSeries {
  const layout = layouts.get(channel.id);
  if (layout !== undefined && layout.missingRuns.length === 0 && Number.isFinite(layout.lowest) && Number.isFinite(layout.highest)) {
    return { values: channel.values, offset: 0, interpolated: 0 };
  }
  return cleanSeriesInPlace(channel.values);
}

function channelWithUnit(byId: Map<string, DecodedChannel>, id: string, unit: string, notes: Reason[]): DecodedChannel | undefined {
  const channel = byId.get(id);
  if (!channel) {
    notes.push({ code: 'missing-channel', message: `no "${id}" channel` });
    return undefined;
  }
  if (channel.unit !== unit) {
    notes.push({ code: 'unsupported-unit', message: `channel "${id}" is in ${channel.unit}, expected ${unit}` });
    return undefined;
  }
  return channel;
}

const WHY_MISSING: Partial<Record<keyof OverallMetrics, string>> = {
  rangeOfMotionDeg: 'no flex channel has enough samples',
  peakVelocityDegS: 'no flex channel has enough samples',
  meanRepetitionS: 'no repetition was detected',
  sparc: 'no repetition was detected, so there is no smoothness',
  ldlj: 'no repetition was detected, so there is no smoothness',
  tremorShare: 'the gyroscope is missing, too short, still, or sampled below 24 Hz',
  reactionTimeMs: 'no prompt was followed by a movement of the prompted finger',
  accuracy: 'the session has no hit or miss events',
};

function explainMissing(overall: OverallMetrics): Reason[] {
  return (Object.keys(WHY_MISSING) as (keyof OverallMetrics)[])
    .filter((key) => overall[key] === null)
    .map((key) => ({ code: `no-${key}`, message: `${key}: ${WHY_MISSING[key]}` }));
}

function roundQuality(q: QualityReport): QualityReport {
  return {
    effectiveSampleRateHz: q.effectiveSampleRateHz === null ? null : roundTo(q.effectiveSampleRateHz, DECIMALS.hz),
    missingShare: roundTo(q.missingShare, DECIMALS.share) ?? 0,
    gapCount: q.gapCount,
    longestGapMs: roundTo(q.longestGapMs, DECIMALS.ms) ?? 0,
    saturatedShare: q.saturatedShare === null ? null : roundTo(q.saturatedShare, DECIMALS.share),
    flags: q.flags,
  };
}

/** The analysis schema's bound on reasons: a document over it would be refused wherever it is checked. */
const MAX_REASONS = 200;

function invalid(sessionId: string, sessionRev: string | null, all: Reason[]): AnalysisDoc {
  const reasons = all.length <= MAX_REASONS
    ? all
    : [...all.slice(0, MAX_REASONS - 1), { code: 'more-reasons', message: `and ${all.length - MAX_REASONS + 1} more problems` }];
  return {
    id: `analysis:${sessionId}`,
    type: 'analysis',
    schemaVersion: 1,
    sessionId,
    sessionRev,
    analysisVersion: ANALYSIS_VERSION,
    status: 'invalid',
    reasons,
    session: null,
    metrics: null,
    quality: null,
    notes: [],
  };
}

function hasFiniteSample(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) return true;
  return false;
}

/** Mean of the finite values; NaN when there are none. */
function mean(values: readonly (number | null)[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v !== null && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

const idField = (doc: unknown, key: 'id' | '_id'): unknown =>
  typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)[key] : undefined;

function sessionIdOf(doc: unknown): string {
  const id = idField(doc, '_id') ?? idField(doc, 'id');
  if (typeof id !== 'string' || id.length === 0) return 'unknown';
  // Cut by code points, never inside a surrogate pair.
  return id.length <= 200 ? id : Array.from(id).slice(0, 200).join('');
}

function revOf(doc: unknown): string | null {
  const rev = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)._rev : undefined;
  return typeof rev === 'string' ? rev : null;
}
