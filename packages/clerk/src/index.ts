// @scoped-rag/clerk — Clerk identity and lifecycle for scoped-rag.
export { type ClerkClaims, identityFromClerkClaims, v2Permissions } from './claims.js';
export {
  type ClerkAuthObject,
  type ClerkCredential,
  type ClerkIdentityResolverOptions,
  createClerkIdentityResolver,
} from './resolver.js';
export {
  type ClerkErasureReceipts,
  type ClerkLifecycleTarget,
  type ClerkWebhookContext,
  type ClerkWebhookEvent,
  type ClerkWebhookHandlerOptions,
  createClerkWebhookHandler,
} from './webhooks.js';
