// @scoped-rag/core — the public surface. Nothing else is importable.
export {
  type AuditAction,
  type AuditEvent,
  type AuditSink,
  createMemoryAuditSink,
  type MemoryAuditSink,
} from './audit.js';
export {
  type Chunk,
  type Chunker,
  createRecursiveChunker,
  DEFAULT_SEPARATORS,
  type RecursiveChunkerOptions,
} from './chunker.js';
export {
  type EmbedAllOptions,
  type Embedder,
  type EmbeddingPurpose,
  type EmbeddingVector,
  type EmbedOptions,
  embedAll,
} from './embedder.js';
export {
  BackendUnavailableError,
  type ErrorCode,
  ForbiddenError,
  InvalidFilterError,
  InvalidInputError,
  ScopeBreachError,
  ScopedRagError,
  type ScopedRagErrorOptions,
  ScopeViolationError,
  toHttpStatus,
  UnauthenticatedError,
  UnscopedQueryError,
  UnsupportedError,
} from './errors.js';
export {
  andFilters,
  compileFilter,
  FILTER_LIMITS,
  type FieldOperator,
  type FieldPredicate,
  type Filter,
  type FilterCondition,
  type FilterExpression,
  type FilterPrimitive,
  filterFields,
  filterSchema,
  filterToJSON,
  MATCH_ALL,
  type MetadataPredicate,
  matchesFilter,
  parseFilter,
} from './filter.js';
export {
  createIdentity,
  type Identity,
  type IdentityInput,
  type IdentityResolver,
  identitySchema,
  MAX_ID_LENGTH,
} from './identity.js';
export {
  createLocalEmbedder,
  ENGLISH_STOP_WORDS,
  type LocalEmbedderOptions,
} from './local-embedder.js';
export {
  createMemoryVectorStore,
  MEMORY_VECTOR_STORE_LIMITS,
  type MemoryVectorStoreOptions,
} from './memory-vector-store.js';
export {
  METADATA_LIMITS,
  type Metadata,
  type MetadataValue,
  metadataByteSize,
  parseMetadata,
} from './metadata.js';
export {
  createOpenAIEmbedder,
  OPENAI_EMBEDDING_DIMENSIONS,
  type OpenAIEmbedderOptions,
  type OpenAIEmbedderRetryOptions,
} from './openai-embedder.js';
export {
  DEFAULT_RESERVED_KEYS,
  defineScopePolicy,
  type Isolation,
  type IsolationOptions,
  type OrgPolicyOptions,
  orgPolicy,
  type ReservedKeys,
  type ScopePolicy,
  type ScopePolicySpec,
  SHARED_ID_SEPARATOR,
  type UserPolicyOptions,
  userPolicy,
  type Visibility,
} from './policy.js';
export { assertScope, isScope, type Scope } from './scope.js';
export {
  createScopedVectorStore,
  type DeleteInput,
  type DeleteResult,
  type ErasureReceipt,
  type LifecycleOptions,
  type ListInput,
  type OperationOptions,
  type QueryInput,
  type ScopedMatch,
  type ScopedRecord,
  type ScopedVectorStore,
  type ScopedVectorStoreLimits,
  type ScopedVectorStoreOptions,
  type ScopedVectors,
  type UpsertInput,
  type VectorValues,
} from './scoped-vector-store.js';
export {
  decodeKeyPart,
  encodeKeyPart,
  MAX_TENANT_KEY_LENGTH,
  parseTenantKey,
  type Tenant,
  type TenantKind,
  tenantKey,
} from './tenant.js';
export {
  type DeleteRequest,
  type DistanceMetric,
  type FetchRequest,
  isHigherBetter,
  type ListNamespacesRequest,
  type ListPage,
  type ListRequest,
  MIN_SQUARED_NORM,
  type NamespacePage,
  type NamespaceRequest,
  type QueryRequest,
  type UpsertRequest,
  type VectorMatch,
  type VectorRecord,
  type VectorStore,
  type VectorStoreCapabilities,
} from './vector-store.js';
export {
  createMemoryWebhookEventStore,
  type MemoryWebhookEventStoreOptions,
  type WebhookClaim,
  type WebhookEventKey,
  type WebhookEventStore,
} from './webhook-events.js';
