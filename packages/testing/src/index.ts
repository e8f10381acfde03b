// @scoped-rag/testing — conformance suites and adversarial arbitraries for adapter authors.
export {
  filterArb,
  HOSTILE_IDS,
  hostileFilterArb,
  hostileIdArb,
  hostileMetadataArb,
  invalidRecordIdArb,
  metadataArb,
  RECORD_IDS,
  recordIdArb,
  USER_FIELDS,
  vectorArb,
} from './arbitraries.js';
export {
  type ClerkTestIssuer,
  type ClerkTestIssuerOptions,
  createClerkTestIssuer,
  encodeV2Permissions,
  type SignedWebhook,
  type TestSessionClaims,
} from './clerk-issuer.js';
export {
  describeEmbedderConformance,
  type EmbedderConformanceOptions,
  type MakeEmbedder,
} from './embedder-conformance.js';
export {
  createFaultPlan,
  type FaultPlan,
  withDocumentStoreFaults,
  withEmbedderFaults,
  withVectorStoreFaults,
} from './faults.js';
export {
  describeIdentityResolverConformance,
  type IdentityResolverConformanceOptions,
  type TestIdentityClaims,
} from './identity-resolver-conformance.js';
export {
  attackDocumentStore,
  attackThreadStore,
  describeAuditLogConformance,
  describeDocumentStoreConformance,
  describeThreadStoreConformance,
  type MakeStore,
  type PersistenceConformanceOptions,
} from './persistence-conformance.js';
export {
  describeRagEndToEnd,
  type MakeRagStores,
  type RagEndToEndOptions,
  type RagStores,
} from './rag-end-to-end.js';
export {
  describeVectorStoreConformance,
  type MakeVectorStore,
  type VectorStoreConformanceOptions,
} from './vector-store-conformance.js';
export {
  describeWebhookEventStoreConformance,
  type MakeWebhookEventStore,
} from './webhook-event-store-conformance.js';
