// Opaque keyset cursors for the persistence ports. A cursor is only a position in the caller's
// own ordering: the tenant condition still applies to every page, so a forged or foreign cursor
// can skip rows but never reveal another tenant's.
import { InvalidInputError } from './errors.js';

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

export interface PageRequest {
  /** From the previous page's `nextCursor`. */
  readonly cursor?: string | null;
  /** Items per page, 1–100. Default 20. */
  readonly limit?: number;
}

export const MAX_PAGE_SIZE = 100;

/** Validates a page size; returns the default when absent. */
export function pageLimit(limit: number | undefined, fallback = 20): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidInputError(
      `limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}.`,
    );
  }
  return limit;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** Encodes a keyset position (strings and numbers) as an opaque cursor. */
export function encodeCursor(position: readonly (string | number)[]): string {
  return toBase64Url(JSON.stringify(position));
}

/**
 * Decodes a cursor made by `encodeCursor` with the given shape (`'s'` string, `'n'` number), or
 * throws InvalidInputError. `null`/`undefined` mean "from the start".
 */
export function decodeCursor<const S extends readonly ('s' | 'n')[]>(
  cursor: string | null | undefined,
  shape: S,
): { [K in keyof S]: S[K] extends 's' ? string : number } | null {
  if (cursor === undefined || cursor === null) return null;
  const invalid = () =>
    new InvalidInputError(
      'The cursor is not valid: pass back the nextCursor of the previous page unchanged.',
    );
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 2048) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(cursor));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw invalid();
  for (let i = 0; i < shape.length; i++) {
    const value = parsed[i];
    const ok =
      shape[i] === 's'
        ? typeof value === 'string'
        : typeof value === 'number' && Number.isFinite(value);
    if (!ok) throw invalid();
  }
  return parsed as { [K in keyof S]: S[K] extends 's' ? string : number };
}

/**
 * The page of a keyset query that read up to `limit + 1` rows in order: the first `limit` become
 * the items, and when there was one more, the cursor points at the last item kept.
 */
export function keysetPage<R, T = R>(
  rows: readonly R[],
  limit: number,
  positionOf: (row: R) => readonly (string | number)[],
  toItem: (row: R) => T = (row) => row as unknown as T,
): Page<T> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    items: kept.map((row) => toItem(row)),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}
