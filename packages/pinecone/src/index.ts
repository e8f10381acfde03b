// @scoped-rag/pinecone — a Pinecone VectorStore for scoped-rag.
export {
  createPineconeVectorStore,
  createRetryAfterFetch,
  PINECONE_LIMITS,
  type PineconeIndexLike,
  type PineconeVectorStoreOptions,
} from './pinecone-vector-store.js';
export { isRetryable, type RetryOptions, withRetries } from './retry.js';
