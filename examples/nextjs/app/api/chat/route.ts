// POST /api/chat: a question (and optionally the thread it continues) → scoped retrieval in the
// caller's tenant → the user's message and the assistant's reply appended to the caller's thread.
import { NotFoundError } from '@scoped-rag/core';
import { z } from 'zod';
import { composeReply } from '../../../lib/answer';
import { currentCaller, json, readJson, respond, retrievalView } from '../../../lib/http';

const chatInput = z.strictObject({
  question: z.string().trim().min(1, 'must not be empty').max(4_000),
  threadId: z.string().min(1).max(200).optional(),
});

/** Chunks an assistant reply cites, and the least score worth citing (cosine, local embedder). */
const REPLY_CONTEXT = { topK: 4, minScore: 0.1 } as const;

export async function POST(request: Request): Promise<Response> {
  return respond(async () => {
    const { docs, services } = await currentCaller();
    const { scope } = docs;
    const { question, threadId } = await readJson(request, chatInput, 'chat message');
    // Another user's thread, or one of another tenant, is "not found": ids never leak.
    const existing =
      threadId === undefined ? null : await services.threads.getThread(scope, threadId);
    if (threadId !== undefined && existing === null) {
      throw new NotFoundError(`You have no thread "${threadId}" in this workspace.`);
    }
    // Retrieval first: a failure leaves no empty thread behind.
    const retrieval = await docs.retrieve(question, REPLY_CONTEXT);
    const reply = composeReply(retrieval);
    const thread =
      existing ?? (await services.threads.createThread(scope, { title: question.slice(0, 60) }));
    const messages = await services.threads.appendMessages(scope, thread.id, [
      { role: 'user', content: question },
      { role: 'assistant', content: reply.content, metadata: reply.metadata },
    ]);
    return json(
      {
        thread: { id: thread.id, title: thread.title },
        messages,
        retrieval: retrievalView(retrieval),
      },
      existing === null ? 201 : 200,
    );
  });
}
