export { ANALYSIS_VERSION } from './version.js';
export * from './model/types.js';
export { STANDARD_CHANNELS, flexChannelId, GYRO_CHANNEL_IDS, ACC_CHANNEL_IDS } from './model/channels.js';
export { sessionSchema, analysisSchema, progressSchema, LIMITS, type DocumentSchema } from './model/schemas.js';
export { checkAgainstSchema, type JsonSchema } from './model/schemaCheck.js';
export { validateSession, type ValidateOptions } from './model/validateSession.js';
export { sessionSizeProblems, type SessionSizes } from './model/sessionSizeProblems.js';
export { sessionIdAt, isSessionId, SESSION_ID_PATTERN } from './model/sessionId.js';
export { buildSession } from './model/buildSession.js';
export { encodeSensors, decodeSensors, SensorCodecError } from './codec/sensorCodec.js';
export { checkSensorIntegrity, SESSION_SIZE_LIMITS } from './codec/sensorIntegrity.js';
export { rangeOfMotion } from './metrics/rangeOfMotion.js';
export { peakVelocity } from './metrics/peakVelocity.js';
export { detectRepetitions, meanRepetitionDurationS, type Repetition } from './metrics/repetitions.js';
export { sparc } from './metrics/sparc.js';
export { ldlj } from './metrics/ldlj.js';
export { tremorShare } from './metrics/tremor.js';
export { reactionTimes } from './metrics/reactionTimes.js';
export { accuracy } from './metrics/accuracy.js';
export { dataQuality } from './metrics/dataQuality.js';
export { analyzeSession, type AnalyzeOptions } from './analysis/analyzeSession.js';
export { summarizeProgress, summarizeProgressEntries, MAX_PROGRESS_GAMES } from './progress/summarizeProgress.js';
export { progressEntry, type ProgressEntry, type PlayedSession } from './progress/progressEntry.js';
export { synthesizeRecording, synthesizeSession, type SynthOptions } from './synth/synthesizeSession.js';
export { SeededRandom } from './synth/random.js';
export { userDatabases, parseUserDatabase, careDatabase, parseCareDatabase, isUserId, USER_ID_PATTERN, type UserDatabases, type UserDatabaseKind } from './model/databaseNames.js';
export { revProblem, revisionsProblem, MAX_REVISIONS } from './model/couchMetadata.js';
export { canonicalJson } from './model/canonicalJson.js';
export {
  attentionFlags,
  DEFAULT_ATTENTION_THRESHOLDS,
  type AttentionInput,
  type AttentionResult,
  type AttentionThresholds,
  type DeclineMetric,
  type Flag,
  type FlagCode,
  type FlagSeverity,
} from './care/attentionFlags.js';
export { sessionIdTimeMs } from './care/sessionIdTime.js';
export { ANALYSIS_COLUMNS, analysisRow, type AnalysisColumn, type CellValue, type ColumnType } from './export/analysisColumns.js';
export { csvCell, csvLine } from './export/csvText.js';
export { analysesCsv, ANALYSES_CSV_HEADER } from './export/analysesCsv.js';
