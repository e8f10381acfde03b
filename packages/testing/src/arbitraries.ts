// fast-check arbitraries for adversarial tests: hostile ids, tenants, filters and metadata.
// Exported so adapter authors can aim the same attacks at their own code.
import { DEFAULT_RESERVED_KEYS, type Filter, type Metadata } from '@scoped-rag/core';
import fc from 'fast-check';

/** Ids chosen to collide: case variants, tenant-key look-alikes, separators, prototype names. */
export const HOSTILE_IDS: readonly string[] = Object.freeze([
  'user_1',
  'USER_1',
  // Tenant keys that collide if a backend folds "-" into "_" (u_-1t- vs u__1t_, u_-19- vs u__19_).
  'A',
  '_1t_',
  '_19_',
  'User_1',
  'org_1',
  'u_user_1',
  'o_org_1',
  'o_org_1#doc-1',
  'u_user_1#doc-1',
  '#',
  'a#b',
  '-',
  '-2f-',
  '__proto__',
  'constructor',
  'toString',
  ' ',
  'doc-1 ',
  '\u00e9',
  'e\u0301',
  '\u{1F600}',
  '\0',
]);

/** Raw user or org ids: plain, hostile, and arbitrary unicode. */
export const hostileIdArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_IDS) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }) },
);

/** Record ids as apps send them: valid printable ASCII, with ids shared across tenants. */
export const RECORD_IDS: readonly string[] = Object.freeze([
  'doc-1',
  'Doc-1',
  'doc-2',
  'doc-10',
  'a',
  'b',
  'x#y',
  'o_org_1#doc-1',
  'u_user_1#doc-1',
  '__proto__',
  'constructor',
  'toString',
  ' ',
  'doc-1 ',
  // Characters that break adapters which put ids in URLs or paths unescaped.
  'a/b',
  'a?b',
  'a&b',
  '%23',
  'a+b',
  `long-${'x'.repeat(380)}`,
]);
export const recordIdArb: fc.Arbitrary<string> = fc.constantFrom(...RECORD_IDS);

/** Ids a scoped store must refuse with INVALID_INPUT. */
export const invalidRecordIdArb: fc.Arbitrary<unknown> = fc.constantFrom(
  '',
  'x'.repeat(513),
  'd\u00f3c',
  'tab\there',
  'new\nline',
  42,
  null,
);

export const USER_FIELDS: readonly string[] = Object.freeze(['genre', 'year', 'tags', 'draft']);

const userPrimitiveArb = fc.oneof(
  fc.constantFrom('drama', 'comedy', 'news'),
  fc.integer({ min: 1990, max: 1995 }),
  fc.boolean(),
);

/** Valid metadata over a small vocabulary, so filters often match. */
export const metadataArb: fc.Arbitrary<Metadata> = fc.record(
  {
    genre: fc.constantFrom('drama', 'comedy', 'news'),
    year: fc.integer({ min: 1990, max: 1995 }),
    draft: fc.boolean(),
    tags: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

/** Metadata an attacker or a buggy app would send: reserved keys, operators, nulls, nesting. */
export function hostileMetadataArb(
  reservedKeys: readonly string[] = Object.values(DEFAULT_RESERVED_KEYS),
): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    fc
      .record({
        key: fc.constantFrom(...reservedKeys),
        value: fc.oneof(fc.string(), fc.constantFrom('o_org_1', 'u_user_1', 'org')),
      })
      .map(({ key, value }) => ({ genre: 'drama', [key]: value })),
    fc.constantFrom<Record<string, unknown>>(
      { $where: 'x' },
      JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>,
      { constructor: 'x' },
      { genre: null },
      { nested: { a: 1 } },
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { list: [1, 2] },
      { '': 'empty' },
      { big: 'x'.repeat(41 * 1024) },
    ),
  );
}

const leafFilterArb = (fields: fc.Arbitrary<string>): fc.Arbitrary<Filter> =>
  fc.oneof(
    fc.record({ f: fields, v: userPrimitiveArb }).map(({ f, v }) => ({ [f]: v })),
    fc
      .record({ f: fields, op: fc.constantFrom('$eq', '$ne'), v: userPrimitiveArb })
      .map(({ f, op, v }) => ({ [f]: { [op]: v } })),
    fc
      .record({
        f: fields,
        op: fc.constantFrom('$gt', '$gte', '$lt', '$lte'),
        v: fc.integer({ min: 1989, max: 1996 }),
      })
      .map(({ f, op, v }) => ({ [f]: { [op]: v } })),
    fc
      .record({
        f: fields,
        op: fc.constantFrom('$in', '$nin'),
        v: fc.array(
          fc.oneof(
            fc.constantFrom('drama', 'news', 'a', 'b'),
            fc.integer({ min: 1990, max: 1995 }),
          ),
          { minLength: 1, maxLength: 3 },
        ),
      })
      .map(({ f, op, v }) => ({ [f]: { [op]: v } })),
    fc.record({ f: fields, v: fc.boolean() }).map(({ f, v }) => ({ [f]: { $exists: v } })),
  );

function filterTreeArb(leaf: fc.Arbitrary<Filter>): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc
        .record({
          op: fc.constantFrom('$and', '$or'),
          children: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }),
        })
        .map(({ op, children }) => ({ [op]: children }) as Filter),
      fc
        .array(leaf, { minLength: 2, maxLength: 3 })
        .map((parts) => Object.assign({}, ...parts) as Filter),
    ),
  })).filter;
}

/** Valid filters over the user fields of `metadataArb`. */
export const filterArb: fc.Arbitrary<Filter> = filterTreeArb(
  leafFilterArb(fc.constantFrom(...USER_FIELDS, 'missing')),
);

/**
 * Filters that try to widen the scope: reserved keys anywhere in the tree (inside `$or`, with
 * `$ne`, `$nin`, `$exists`), prototype keys, unknown operators, nulls, and excessive depth or size.
 * A scoped store must refuse every one with SCOPE_VIOLATION or INVALID_FILTER.
 */
export function hostileFilterArb(
  reservedKeys: readonly string[] = Object.values(DEFAULT_RESERVED_KEYS),
): fc.Arbitrary<unknown> {
  const reservedLeaf = leafFilterArb(fc.constantFrom(...reservedKeys));
  const mixedLeaf = fc.oneof(
    { weight: 1, arbitrary: reservedLeaf },
    { weight: 1, arbitrary: leafFilterArb(fc.constantFrom(...USER_FIELDS)) },
  );
  const withReserved = filterTreeArb(mixedLeaf).filter((f) =>
    reservedKeys.some((key) => JSON.stringify(f).includes(`"${key}"`)),
  );
  const deep = fc.integer({ min: 11, max: 200 }).map((depth) => {
    let filter: unknown = { genre: 'drama' };
    for (let i = 0; i < depth; i++) filter = { $or: [filter] };
    return filter;
  });
  const malformed = fc.constantFrom<unknown>(
    JSON.parse('{"__proto__": {"$eq": 1}}'),
    { constructor: { $exists: true } },
    { prototype: 'x' },
    { genre: { $regex: '.*' } },
    { $where: 'true' },
    { $not: [{ genre: 'drama' }] },
    { genre: null },
    { genre: { $in: [] } },
    { genre: { $in: [null] } },
    { genre: ['drama'] },
    { year: { $gt: Number.NaN } },
    { $or: [] },
    'genre == drama',
    [{ genre: 'drama' }],
    { genre: { $in: Array.from({ length: 10_001 }, (_, i) => i) } },
  );
  return fc.oneof(withReserved, deep, malformed);
}

/** Vectors with small integer components (never all zero), reproducible and easy to rank. */
export function vectorArb(dimensions: number): fc.Arbitrary<number[]> {
  return fc
    .array(fc.integer({ min: -4, max: 4 }), { minLength: dimensions, maxLength: dimensions })
    .map((values) => (values.some((v) => v !== 0) ? values : [1, ...values.slice(1)]));
}
