// createClerkWebhookHandler: verified Clerk webhooks drive the tenant lifecycle. Each delivery is
// verified by @clerk/backend, acted on once (Clerk/Svix deliver at least once), and erasures
// answer with a receipt.
import { verifyWebhook } from '@clerk/backend/webhooks';
import {
  type ErasureReceipt,
  InvalidInputError,
  type RagErasureReceipt,
  ScopedRagError,
  type ScopedVectorStore,
  type Tenant,
  toHttpStatus,
  UnauthenticatedError,
  type WebhookEventStore,
} from '@scoped-rag/core';
import { z } from 'zod';

/** A verified Clerk webhook event (the fields scoped-rag reads; `data` is passed through whole). */
export interface ClerkWebhookEvent {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly timestamp?: number;
  readonly instance_id?: string;
}

/** What an erasure removed: the vector store's receipt, or the whole pipeline's. */
export interface ClerkErasureReceipts {
  readonly vectors?: ErasureReceipt;
  /** With `rag`: vectors, documents, chunks, threads and audit events, each verified. */
  readonly rag?: RagErasureReceipt;
}

/** What the handler erases through: a `ScopedVectorStore` or a pipeline made by `createRag`. */
export interface ClerkLifecycleTarget<Receipt> {
  eraseTenant(tenant: Tenant, options: { actor: string }): Promise<Receipt>;
  eraseUser(userId: string, options: { actor: string }): Promise<Receipt>;
  eraseMember(
    userId: string,
    orgId: string,
    options: { actor: string; before: number },
  ): Promise<Receipt>;
}

export interface ClerkWebhookContext {
  /** The delivery's `svix-id`. */
  readonly id: string;
  /** What scoped-rag erased for this event, if anything. */
  readonly receipts: ClerkErasureReceipts;
}

export interface ClerkWebhookHandlerOptions {
  /** The endpoint's signing secret (`whsec_…`, `CLERK_WEBHOOK_SIGNING_SECRET`). */
  signingSecret: string;
  /** Replay protection: remembers processed `svix-id`s. Use a database-backed one with several instances. */
  events: WebhookEventStore;
  /**
   * The pipeline (`createRag`) to erase on `user.deleted`, `organization.deleted` and
   * `organizationMembership.deleted`: its vectors, documents, chunks, threads and audit trail.
   */
  rag?: ClerkLifecycleTarget<RagErasureReceipt>;
  /** Without a pipeline: the vector store to erase on those events. Not with `rag` (it has its own). */
  vectors?: ScopedVectorStore;
  /** Called once per event after scoped-rag's own work, e.g. to sync your user table. Throw to have Clerk retry. */
  onEvent?: (event: ClerkWebhookEvent, context: ClerkWebhookContext) => void | Promise<void>;
  /** How long one delivery may take before a retry may process it again, in ms. Default 60,000. */
  leaseMs?: number;
}

const deletedObject = z.object({ id: z.string().min(1) });
const membership = z.object({
  organization: z.object({ id: z.string().min(1) }),
  public_user_data: z.object({ user_id: z.string().min(1) }),
});

function json(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function errorResponse(error: unknown): Response {
  const status = toHttpStatus(error);
  if (ScopedRagError.isInstance(error)) {
    return json(status, { code: error.code, message: error.message });
  }
  return json(status, {
    code: 'INTERNAL_ERROR',
    message: 'The webhook could not be processed; it will be retried.',
  });
}

/** Erases what a deletion event names through `target`; null for events that erase nothing. */
async function eraseFor<Receipt>(
  event: ClerkWebhookEvent,
  target: ClerkLifecycleTarget<Receipt>,
  actor: string,
): Promise<Receipt | null> {
  const parseOrRefuse = <T>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(event.data);
    if (!parsed.success) {
      throw new InvalidInputError(
        `The ${event.type} event lacks the ids scoped-rag needs: ${parsed.error.issues[0]?.message}.`,
      );
    }
    return parsed.data;
  };
  switch (event.type) {
    case 'user.deleted': {
      const { id } = parseOrRefuse(deletedObject);
      return target.eraseUser(id, { actor });
    }
    case 'organization.deleted': {
      const { id } = parseOrRefuse(deletedObject);
      return target.eraseTenant({ kind: 'org', id }, { actor });
    }
    case 'organizationMembership.deleted': {
      const { organization, public_user_data } = parseOrRefuse(membership);
      // Only what was written before the membership ended: a late retry must spare the private
      // records of a member who has re-joined since.
      const before = typeof event.timestamp === 'number' ? event.timestamp : Date.now();
      return target.eraseMember(public_user_data.user_id, organization.id, { actor, before });
    }
    default:
      return null;
  }
}

/**
 * A Fetch API handler for Clerk webhooks (`POST /api/webhooks/clerk`). Answers:
 * 200 processed (with receipts) or duplicate; 401 a delivery that fails verification (bad
 * signature, missing headers, timestamp outside Svix's 5-minute tolerance); 409 the same delivery
 * is being processed (Clerk retries later); 4xx/5xx when processing failed (the claim is released,
 * so Clerk's retry processes it again).
 */
export function createClerkWebhookHandler(
  options: ClerkWebhookHandlerOptions,
): (request: Request) => Promise<Response> {
  if (!/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(options.signingSecret ?? '')) {
    throw new InvalidInputError(
      'signingSecret must be the endpoint\'s signing secret from the Clerk Dashboard: "whsec_" followed by base64.',
    );
  }
  if (options.rag && options.vectors) {
    throw new InvalidInputError(
      'Pass rag or vectors, not both: the pipeline erases its own vector store with the rest.',
    );
  }
  const leaseMs = options.leaseMs ?? 60_000;

  async function erase(event: ClerkWebhookEvent, actor: string): Promise<ClerkErasureReceipts> {
    if (options.rag) {
      const receipt = await eraseFor(event, options.rag, actor);
      return receipt ? { rag: receipt } : {};
    }
    if (options.vectors) {
      const receipt = await eraseFor(event, options.vectors, actor);
      return receipt ? { vectors: receipt } : {};
    }
    return {};
  }

  return async function handleClerkWebhook(request: Request): Promise<Response> {
    const id = request.headers.get('svix-id')?.trim() ?? '';
    let event: ClerkWebhookEvent;
    try {
      event = (await verifyWebhook(request, {
        signingSecret: options.signingSecret,
      })) as unknown as ClerkWebhookEvent;
    } catch (error) {
      return errorResponse(
        new UnauthenticatedError(
          `The webhook delivery failed verification: ${(error as Error)?.message ?? String(error)}`,
          {
            cause: error,
          },
        ),
      );
    }
    const key = { source: 'clerk', id };
    let token: string | undefined;
    try {
      const claim = await options.events.claim({ ...key, leaseMs });
      if (claim.status === 'processed')
        return json(200, { status: 'duplicate', id, type: event.type });
      if (claim.status === 'in-progress')
        return json(409, { status: 'in-progress', id, type: event.type });
      token = claim.token;
      const receipts = await erase(event, `clerk:webhook:${id}`);
      await options.onEvent?.(event, { id, receipts });
      await options.events.complete({ ...key, token });
      return json(200, { status: 'processed', id, type: event.type, receipts });
    } catch (error) {
      if (token !== undefined) {
        // Keep the original error: a failing release must not hide why processing failed. The
        // claim then simply expires with its lease.
        await options.events.release({ ...key, token }).catch(() => undefined);
      }
      return errorResponse(error);
    }
  };
}
