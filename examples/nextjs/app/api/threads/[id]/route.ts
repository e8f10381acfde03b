// GET /api/threads/:id: one of the caller's threads with its messages, oldest first. Another
// user's thread, or one of another workspace, is a 404 like a thread that never existed.
import { NotFoundError } from '@scoped-rag/core';
import { z } from 'zod';
import { currentCaller, json, readQuery, respond } from '../../../../lib/http';

const messagesQuery = z.strictObject({ cursor: z.string().min(1).max(1_000).optional() });

export async function GET(
  request: Request,
  { params }: { params: Promise<{ id: string }> },
): Promise<Response> {
  return respond(async () => {
    const { docs, services } = await currentCaller();
    const { id } = await params;
    const { cursor } = readQuery(request, messagesQuery);
    const thread = await services.threads.getThread(docs.scope, id);
    if (thread === null) throw new NotFoundError(`You have no thread "${id}" in this workspace.`);
    const page = await services.threads.listMessages(docs.scope, thread.id, {
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    return json({ thread, messages: page.items, nextCursor: page.nextCursor });
  });
}
