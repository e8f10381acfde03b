// Record metadata: the value types every backend can store and filter on, and their limits.
import { InvalidInputError } from './errors.js';
import { fieldNameProblem, isPlainObject } from './filter.js';

/** Strings, finite numbers, booleans and lists of strings: what Pinecone stores and filters. */
export type MetadataValue = string | number | boolean | readonly string[];
export type Metadata = { readonly [key: string]: MetadataValue };

export const METADATA_LIMITS = Object.freeze({
  /** Serialized size of one record's metadata, in UTF-8 bytes (Pinecone's limit). */
  maxBytes: 40 * 1024,
  maxKeys: 1_000,
  maxListItems: 1_000,
});

/** UTF-8 length of a string without allocating (no TextEncoder needed). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Serialized size of metadata as JSON, in UTF-8 bytes. */
export function metadataByteSize(metadata: Metadata): number {
  return utf8ByteLength(JSON.stringify(metadata));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Validates and copies user metadata. Throws `InvalidInputError` naming the record and key.
 * `where` names the record in messages (e.g. `records[3] (id "doc-1")`).
 */
export function parseMetadata(
  input: unknown,
  where: string,
  maxBytes: number = METADATA_LIMITS.maxBytes,
): Metadata {
  if (input === undefined) return {};
  const fail = (problem: string, key?: string): never => {
    throw new InvalidInputError(
      `Invalid metadata in ${where}${key === undefined ? '' : ` at key "${key}"`}: ${problem}.`,
      { details: { where, ...(key === undefined ? {} : { key }) } },
    );
  };
  if (!isPlainObject(input)) fail(`expected a plain object, got ${describe(input)}`);
  const source = input as Record<string, unknown>;
  const keys = Object.keys(source);
  if (keys.length > METADATA_LIMITS.maxKeys) fail(`more than ${METADATA_LIMITS.maxKeys} keys`);
  const out: Record<string, MetadataValue> = {};
  for (const key of keys) {
    const problem = fieldNameProblem(key);
    if (problem) fail(problem, key);
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'boolean') {
      out[key] = value;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) fail(`numbers must be finite, got ${value}`, key);
      out[key] = value;
    } else if (Array.isArray(value)) {
      if (value.length > METADATA_LIMITS.maxListItems) {
        fail(`lists hold at most ${METADATA_LIMITS.maxListItems} items`, key);
      }
      if (!value.every((item) => typeof item === 'string')) {
        fail('lists may contain only strings', key);
      }
      out[key] = Object.freeze([...(value as string[])]);
    } else {
      const hint = value === null ? ' (null is not supported; omit the key instead)' : '';
      fail(
        `expected a string, finite number, boolean or list of strings, got ${describe(value)}${hint}`,
        key,
      );
    }
  }
  const size = metadataByteSize(out);
  if (size > maxBytes) {
    fail(
      `${size} bytes serialized; the limit is ${maxBytes} bytes. Store large text in a document store and keep a reference here`,
    );
  }
  return Object.freeze(out);
}
