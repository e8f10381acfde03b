// Clerk webhooks drive the tenant lifecycle: a deleted organization, user or membership erases its
// data from every store of the pipeline (vectors, documents, chunks, threads, audit trail).
// Verification and once-only processing are @scoped-rag/clerk's handler's; the erasure is here.
import { type ClerkWebhookEvent, createClerkWebhookHandler } from '@scoped-rag/clerk';
import {
  InvalidInputError,
  type Rag,
  type RagErasureReceipt,
  type WebhookEventStore,
} from '@scoped-rag/core';
import { z } from 'zod';

const deletedObject = z.object({ id: z.string().min(1) });
const membership = z.object({
  organization: z.object({ id: z.string().min(1) }),
  public_user_data: z.object({ user_id: z.string().min(1) }),
});

function eventData<T>(schema: z.ZodType<T>, event: ClerkWebhookEvent): T {
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) {
    throw new InvalidInputError(
      `The ${event.type} event lacks the ids needed to erase: ${parsed.error.issues[0]?.message}.`,
    );
  }
  return parsed.data;
}

/** Erases what a deletion event names; null for events that erase nothing. */
export async function eraseForEvent(
  rag: Rag<Request>,
  event: ClerkWebhookEvent,
  actor: string,
): Promise<RagErasureReceipt | null> {
  switch (event.type) {
    case 'user.deleted':
      return rag.eraseUser(eventData(deletedObject, event).id, { actor });
    case 'organization.deleted':
      return rag.eraseTenant({ kind: 'org', id: eventData(deletedObject, event).id }, { actor });
    case 'organizationMembership.deleted': {
      const { organization, public_user_data } = eventData(membership, event);
      // Only what was written before the membership ended: a late retry spares the private
      // documents of a member who has re-joined since.
      const before = typeof event.timestamp === 'number' ? event.timestamp : Date.now();
      return rag.eraseMember(public_user_data.user_id, organization.id, { actor, before });
    }
    default:
      return null;
  }
}

export interface ClerkWebhookRouteOptions {
  readonly signingSecret: string;
  /** Remembers processed deliveries (Clerk delivers at least once). */
  readonly events: WebhookEventStore;
  /** Hears each erasure's receipt. */
  readonly onErased?: (event: ClerkWebhookEvent, receipt: RagErasureReceipt) => void;
}

/** The Fetch API handler for `POST /api/webhooks/clerk`. */
export function createClerkWebhookRoute(
  rag: Rag<Request>,
  options: ClerkWebhookRouteOptions,
): (request: Request) => Promise<Response> {
  return createClerkWebhookHandler({
    signingSecret: options.signingSecret,
    events: options.events,
    async onEvent(event, { id }) {
      const receipt = await eraseForEvent(rag, event, `clerk:webhook:${id}`);
      if (receipt) options.onErased?.(event, receipt);
    },
  });
}
