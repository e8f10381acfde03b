// The assistant's reply in a thread. The demo has no language model, so the reply is what one
// would be given: the system message that core's `buildContext` makes from the retrieved chunks
// (numbered, injection-neutralised sources), after the list of sources it could cite.
import {
  buildContext,
  type Metadata,
  type RetrieveResult,
  toContextChunks,
  toSystemMessage,
} from '@scoped-rag/core';

export const NO_LLM_NOTE =
  'No language model is wired into this demo: this reply is what an LLM would be given for your message, the system message below with the retrieved context, and the sources it could cite.';

/** Longest context block handed to the (absent) model, in characters. */
const MAX_CONTEXT_CHARS = 8_000;

const SHORTFALL_REASONS: Readonly<Record<string, string>> = {
  exhausted: 'nothing else you may read matches',
  'below-min-score': 'the other matches scored below the minimum for context',
  unavailable: 'some matches belong to documents being indexed, replaced or deleted',
};

export interface AssistantReply {
  readonly content: string;
  /** Stored with the message: the cited documents in citation order, and the chunks used. */
  readonly metadata: Metadata;
}

export function composeReply(retrieval: RetrieveResult): AssistantReply {
  const { chunks, shortfall } = retrieval;
  const context = buildContext(toContextChunks(chunks), { maxChars: MAX_CONTEXT_CHARS });
  const system = toSystemMessage(context).content;
  const sources =
    context.citations.length === 0
      ? 'Nothing you may read in this workspace matches the message, so the model gets no sources.'
      : `Sources:\n${context.citations
          .map(
            (citation) =>
              `[${citation.n}] ${citation.title ?? citation.source ?? citation.documentId} (document ${citation.documentId}, chunk ${citation.chunkPosition}, score ${citation.score.toFixed(3)})`,
          )
          .join('\n')}`;
  const fewer =
    shortfall === null
      ? ''
      : `\n(${shortfall.returned} of ${shortfall.requested} chunks: ${SHORTFALL_REASONS[shortfall.reason] ?? shortfall.reason}.)`;
  const used = chunks.filter((chunk) =>
    context.citations.some(
      (citation) =>
        citation.documentId === chunk.document.id &&
        citation.chunkPositions.includes(chunk.position),
    ),
  );
  return {
    content: `${NO_LLM_NOTE}\n\n${sources}${fewer}\n\nSystem message:\n${system}`,
    metadata: {
      citedDocuments: context.citations.map((citation) => citation.documentId),
      citedChunks: used.map((chunk) => chunk.vectorId),
    },
  };
}
