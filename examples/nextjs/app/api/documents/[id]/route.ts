// DELETE /api/documents/:id: deletes one of the caller's documents, its chunks and its vectors.
// An id of another workspace (or another member's private document) is a 404, as if it never
// existed: the answer tells nothing about other tenants' ids.
import { NotFoundError } from '@scoped-rag/core';
import { currentCaller, json, respond } from '../../../../lib/http';

export async function DELETE(
  _request: Request,
  { params }: { params: Promise<{ id: string }> },
): Promise<Response> {
  return respond(async () => {
    const { docs } = await currentCaller();
    const { id } = await params;
    const receipt = await docs.deleteDocument(id);
    if (!receipt.deleted) {
      throw new NotFoundError(
        `There is no document "${id}" that you may delete in this workspace.`,
      );
    }
    return json(receipt);
  });
}
