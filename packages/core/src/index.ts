// Public entry point of @vectorcache/core.
export * from './types.js';
export * from './errors.js';
export { parseDuration, requireDuration } from './duration.js';
export { closest, didYouMean } from './suggest.js';
export { createGuard, isGuard } from './guard.js';
export type {
  Guard, GuardRequest, Decision, DenyDecision, RespondDecision, PassDecision, CacheTicket, CapturedResponse,
  CompleteResult, DecisionObservation, EraseReceipt, ExportResult, ExportedEntry, HeadView, Admission, AdmitResult, PrivacyRights, BodyReadFacts,
  AnswerRecorder,
} from './contract.js';
export type { GuardOptions, LockoutOptions, StreamingOptions } from './options.js';
export type { TenantStats } from './stats.js';
export { makeProblem, statusFor, PROBLEM_CONTENT_TYPE, type OpenAIErrorMember, type OpenAIErrorType } from './problem.js';
export { canonicalJson, cacheKey, subjectHash } from './canonical.js';
export { readJsonBody, readJsonStream, parseJsonText, isJsonContentType, jsonDepthExceeds, MAX_JSON_DEPTH, type BodyError, type BodyResult } from './body.js';
export { recordNodeResponse, recordStreamBody } from './node-answer.js';
export { viewFromNode, headViewFromNode, decideNode, bodyLeftUnread, internalErrorDecision, stateOf, decisionBody, decisionReadable, sendDecision, type VectorcacheState } from './node.js';
export { readJsonBodyWithin } from './body-deadline.js';
export * from './keys/index.js';
export * from './net/index.js';
export * from './pii/index.js';
export * from './crypto/index.js';
export * from './stores/index.js';
export { EntryCodec, rewriteEntry, rotateStore, type SealedField, type RotationProgress, type RotateStoreOptions } from './entries.js';
export * from './secrets/index.js';
export { subjectEntries, exportSubject, eraseSubject, eraseReceipt, type SubjectExportOptions } from './privacy/index.js';
export * from './monitor/index.js';
export * from './transport/index.js';
export * from './doctor/index.js';
export type { Embedder, IndexedVector, VectorQuery, VectorMatch, VectorIndex } from './semantic/types.js';
export * from './semantic/index/index.js';
export { createVectorRotation, type VectorRotation, type VectorRotationOptions } from './semantic/rotation.js';
export type { SemanticOptions } from './semantic/options.js';
export {
  offlineEmbedder, openAIEmbedder, functionEmbedder, EmbedderError, OFFLINE_EMBEDDER_ID, OFFLINE_DEFAULT_THRESHOLD,
  type OfflineEmbedderOptions, type OpenAIEmbedderOptions, type EmbedFunction, type FunctionEmbedderOptions, type EmbedderErrorCode,
} from './semantic/embedders/index.js';
export * from './semantic/guards.js';
export * from './cache/stream/index.js';
export { Flights, Flight, FlightCutError, type FlightsOptions, type FollowerOutcome, type Joined, type ReleaseReason } from './cache/single-flight.js';
