// Public surface of the embedders: the offline default, the OpenAI-compatible client, any function.
export { offlineEmbedder, createOfflineEmbedder, DEFAULT_OFFLINE_PARAMS, OFFLINE_EMBEDDER_ID, OFFLINE_DEFAULT_THRESHOLD, type OfflineParams, type OfflineEmbedderOptions } from './offline.js';
export { loadWordTable, defaultTablePath, type WordTable } from './table.js';
export { EmbedderError, type EmbedderErrorCode } from './errors.js';
export { openAIEmbedder, type OpenAIEmbedderOptions } from './openai.js';
export { functionEmbedder, type EmbedFunction, type FunctionEmbedderOptions } from './function.js';
