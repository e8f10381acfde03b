// GET /api/documents: the documents the caller may read in the active workspace.
// POST /api/documents: chunk, embed and index a document in the caller's workspace.
import { z } from 'zod';
import { currentCaller, documentView, json, readJson, readQuery, respond } from '../../../lib/http';

const documentInput = z.strictObject({
  /** Your id for the document: posting it again replaces it (or leaves it unchanged). Ids are per workspace. */
  id: z.string().min(1).max(200).optional(),
  title: z.string().trim().min(1, 'must not be empty').max(200),
  text: z
    .string()
    .max(200_000, 'must be at most 200,000 characters')
    .refine((text) => text.trim().length > 0, 'must not be empty'),
  /** `org`: every member of the organization may read it; `private`: only its owner. */
  visibility: z.enum(['private', 'org']).optional(),
  source: z.string().trim().min(1).max(2_048).optional(),
});

const listQuery = z.strictObject({ cursor: z.string().min(1).max(1_000).optional() });

export async function GET(request: Request): Promise<Response> {
  return respond(async () => {
    const { docs } = await currentCaller();
    const { cursor } = readQuery(request, listQuery);
    const page = await docs.listDocuments({ limit: 50, ...(cursor ? { cursor } : {}) });
    return json({ items: page.items.map(documentView), nextCursor: page.nextCursor });
  });
}

export async function POST(request: Request): Promise<Response> {
  return respond(async () => {
    const { docs } = await currentCaller();
    const input = await readJson(request, documentInput, 'document');
    const result = await docs.ingest({
      ...(input.id !== undefined ? { id: input.id } : {}),
      title: input.title,
      text: input.text,
      source: input.source ?? null,
      ...(input.visibility ? { visibility: input.visibility } : {}),
    });
    return json(
      { status: result.status, embedded: result.embedded, document: documentView(result.document) },
      result.status === 'created' ? 201 : 200,
    );
  });
}
