import { describe, expect, it } from 'vitest';
import { ScopedRagError } from './errors.js';
import { METADATA_LIMITS, metadataByteSize, parseMetadata, utf8ByteLength } from './metadata.js';

function expectInvalid(input: unknown, message: RegExp): void {
  let caught: unknown;
  try {
    parseMetadata(input, 'records[0]');
  } catch (error) {
    caught = error;
  }
  expect(ScopedRagError.hasCode(caught, 'INVALID_INPUT')).toBe(true);
  expect((caught as Error).message).toMatch(message);
}

describe('parseMetadata', () => {
  it('accepts strings, finite numbers, booleans and lists of strings, and copies them', () => {
    const input = { title: 'Q3 plan', pages: 12, draft: false, tags: ['finance'] };
    const parsed = parseMetadata(input, 'records[0]');
    expect(parsed).toEqual(input);
    expect(Object.isFrozen(parsed)).toBe(true);
    input.tags.push('mutated');
    expect(parsed.tags).toEqual(['finance']);
  });

  it('treats missing metadata as empty', () => {
    expect(parseMetadata(undefined, 'x')).toEqual({});
  });

  it.each([
    [{ a: null }, /null is not supported/],
    [{ a: Number.NaN }, /finite/],
    [{ a: Number.POSITIVE_INFINITY }, /finite/],
    [{ a: { nested: true } }, /got an object/],
    [{ a: [1, 2] }, /only strings/],
    [{ a: undefined }, /got a undefined/],
    [{ $a: 1 }, /reserved for operators/],
    [JSON.parse('{"__proto__": "x"}'), /not allowed/],
    [{ constructor: 'x' }, /not allowed/],
    [{ '': 'x' }, /must not be empty/],
    ['text', /plain object/],
    [[1], /plain object/],
  ])('refuses %j', (input, message) => {
    expectInvalid(input, message);
  });

  it('refuses bigints and functions', () => {
    expectInvalid({ a: 1n }, /got a bigint/);
    expectInvalid({ a: () => 1 }, /got a function/);
  });

  it('refuses metadata over 40 KB, naming the size and the limit', () => {
    expectInvalid(
      { text: 'x'.repeat(METADATA_LIMITS.maxBytes) },
      /bytes serialized; the limit is 40960 bytes/,
    );
    expect(() =>
      parseMetadata({ text: 'x'.repeat(METADATA_LIMITS.maxBytes - 20) }, 'r'),
    ).not.toThrow();
  });

  it('counts UTF-8 bytes, not UTF-16 units', () => {
    expect(utf8ByteLength('abc')).toBe(3);
    expect(utf8ByteLength('é')).toBe(2);
    expect(utf8ByteLength('€')).toBe(3);
    expect(utf8ByteLength('😀')).toBe(4);
    expect(utf8ByteLength('\uD800')).toBe(3);
    expect(metadataByteSize({ a: 'é' })).toBe(new TextEncoder().encode('{"a":"é"}').length);
  });
});
