// The assistant's reply in a thread. The demo has no language model, so the reply is what one
// would be given: the retrieved chunks as a numbered context block, each with its source.
import type { Metadata, RetrieveResult } from '@scoped-rag/core';

export const NO_LLM_NOTE =
  'No language model is wired into this demo: this reply is the context an LLM would be given for your message, with its sources.';

export interface AssistantReply {
  readonly content: string;
  /** Stored with the message: which documents and chunks the reply cites, in citation order. */
  readonly metadata: Metadata;
}

/** The source line of a chunk: its document's title, else its source, else its id. */
function sourceName(chunk: RetrieveResult['chunks'][number]): string {
  const { document } = chunk;
  return document.title ?? document.source ?? document.id;
}

const SHORTFALL_REASONS: Readonly<Record<string, string>> = {
  exhausted: 'nothing else you may read matches',
  'below-min-score': 'the other matches scored below the minimum for context',
  unavailable: 'some matches belong to documents being indexed, replaced or deleted',
};

export function composeReply(retrieval: RetrieveResult): AssistantReply {
  const { chunks, shortfall } = retrieval;
  if (chunks.length === 0) {
    return {
      content: `${NO_LLM_NOTE}\n\nNothing you may read in this workspace matches the message, so an LLM would get no context and should say it does not know.`,
      metadata: { citedDocuments: [], citedChunks: [] },
    };
  }
  const blocks = chunks.map(
    (chunk, i) =>
      `[${i + 1}] ${sourceName(chunk)} (document ${chunk.document.id}, chunk ${chunk.position}, score ${chunk.score.toFixed(3)})\n${chunk.text}`,
  );
  const fewer =
    shortfall === null
      ? ''
      : `\n\n(${shortfall.returned} of ${shortfall.requested} chunks: ${SHORTFALL_REASONS[shortfall.reason] ?? shortfall.reason}.)`;
  return {
    content: `${NO_LLM_NOTE}\n\n${blocks.join('\n\n')}${fewer}`,
    metadata: {
      citedDocuments: [...new Set(chunks.map((chunk) => chunk.document.id))],
      citedChunks: chunks.map((chunk) => chunk.vectorId),
    },
  };
}
