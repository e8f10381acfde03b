// Content hashes for the RAG pipeline: one SHA-256 over everything that ends up in the vector
// store for a document, so "same hash" means "re-indexing would write exactly the same records".
import type { Metadata } from './metadata.js';
import type { Visibility } from './policy.js';

export interface IndexedContent {
  /** The document text, or null when the caller passed ready-made chunks. */
  readonly text: string | null;
  /** What the chunker made of it (or the caller's chunks), in order. */
  readonly chunks: readonly string[];
  /** Which model embeds it: vectors of different models are not comparable. */
  readonly embedder: {
    readonly provider: string;
    readonly model: string;
    readonly dimensions: number;
  };
  /** Stamped on every vector, so a change re-indexes. */
  readonly metadata: Metadata;
  readonly visibility: Visibility;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Lower-case hex SHA-256 of the UTF-8 bytes of `text` (Web Crypto: every runtime has it). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  );
  let out = '';
  for (const byte of digest) out += HEX[byte]!;
  return out;
}

/**
 * The content hash of a document: 64 hex characters. The chunks stand for the chunker's
 * configuration (a configuration that cuts the text differently gives other chunks, hence another
 * hash; one that cuts it the same way needs no re-embedding). Metadata keys are sorted first.
 */
export function contentHash(content: IndexedContent): Promise<string> {
  const metadata = Object.keys(content.metadata)
    .sort()
    .map((key) => [key, content.metadata[key]]);
  return sha256Hex(
    JSON.stringify([
      'scoped-rag/content/v1',
      content.embedder.provider,
      content.embedder.model,
      content.embedder.dimensions,
      content.text,
      content.chunks,
      metadata,
      content.visibility,
    ]),
  );
}
