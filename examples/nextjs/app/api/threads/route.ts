// GET /api/threads: the caller's own chat threads in the active workspace, most recent first.
import { z } from 'zod';
import { currentCaller, json, readQuery, respond } from '../../../lib/http';

const listQuery = z.strictObject({ cursor: z.string().min(1).max(1_000).optional() });

export async function GET(request: Request): Promise<Response> {
  return respond(async () => {
    const { docs, services } = await currentCaller();
    const { cursor } = readQuery(request, listQuery);
    const page = await services.threads.listThreads(docs.scope, {
      limit: 50,
      ...(cursor ? { cursor } : {}),
    });
    return json({ items: page.items, nextCursor: page.nextCursor });
  });
}
