// Metadata strings as PostgreSQL stores them. JavaScript strings may hold NUL characters and
// unpaired surrogates, which PostgreSQL text and jsonb refuse; such strings (and, to stay
// reversible, strings starting with the escape mark) are stored escaped. Every other string is
// stored as it is. Keys and values of stored metadata and of filters go through the same
// encoding, so equality between the originals is equality between the stored forms.
import type { Metadata, MetadataValue } from '@scoped-rag/core';

/** Starts an escaped string: U+FFFF, a noncharacter that text does not normally hold. */
export const ESCAPE_MARK = '\uffff';

/**
 * True when PostgreSQL can hold `text` as it is: no NUL character and no unpaired UTF-16
 * surrogate (neither has a UTF-8 encoding PostgreSQL accepts).
 */
export function isStorableText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i += 1;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return false;
  }
  return true;
}

/** The stored form of a string (one-to-one: `decodeText` inverts it). */
export function encodeText(text: string): string {
  if (isStorableText(text) && !text.startsWith(ESCAPE_MARK)) return text;
  // JSON escapes NUL and unpaired surrogates as \u sequences, and JSON.parse reads them back.
  return ESCAPE_MARK + JSON.stringify(text);
}

export function decodeText(stored: string): string {
  return stored.startsWith(ESCAPE_MARK) ? (JSON.parse(stored.slice(1)) as string) : stored;
}

function mapMetadata(metadata: Metadata, map: (text: string) => string): Metadata {
  const out: Record<string, MetadataValue> = {};
  for (const [key, value] of Object.entries(metadata)) {
    const mapped =
      typeof value === 'string'
        ? map(value)
        : Array.isArray(value)
          ? value.map(map)
          : (value as MetadataValue);
    // defineProperty: a key named "__proto__" stays a key.
    Object.defineProperty(out, map(key), {
      value: mapped,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Metadata in its stored form (keys, strings and list items encoded). */
export function encodeMetadata(metadata: Metadata): Metadata {
  return mapMetadata(metadata, encodeText);
}

/** Stored metadata back in its original form. */
export function decodeMetadata(stored: Metadata): Metadata {
  return mapMetadata(stored, decodeText);
}
