export type {
  AnalysisPlace, ClientOptions, M2MClient, Mismatch, RecordInput, RecordedChannel, RegisterOptions, SessionConflict, ResultSource, SessionEntry, SignedInUser, Sourced, SyncProblem, SyncStatus,
} from './types.js';
export type { AttentionFlag, CareLink, CarePatient, LinkEvent, Role, ShareCode } from './care/careTypes.js';
export { byAttention } from './care/clinicianSignedIn.js';
export { GatewayError, InvalidSessionError, M2MError, NetworkError, NotSignedInError } from './errors.js';
export { ERROR_CATALOGUE, type ErrorCode } from '@m2m/contract';
export { sameAnalysis } from './results/sameAnalysis.js';
export { canonicalJson } from '@m2m/analysis-core';
