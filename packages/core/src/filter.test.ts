import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScopedRagError } from './errors.js';
import {
  andFilters,
  compileFilter,
  FILTER_LIMITS,
  type FilterExpression,
  filterFields,
  filterSchema,
  filterToJSON,
  MATCH_ALL,
  matchesFilter,
  parseFilter,
} from './filter.js';
import type { Metadata } from './metadata.js';

function expectInvalid(input: unknown, message: RegExp): void {
  let caught: unknown;
  try {
    parseFilter(input);
  } catch (error) {
    caught = error;
  }
  expect(ScopedRagError.hasCode(caught, 'INVALID_FILTER'), 'expected INVALID_FILTER').toBe(true);
  expect((caught as Error).message).toMatch(message);
}

const match = (filter: unknown, metadata: Metadata) => matchesFilter(parseFilter(filter), metadata);

describe('parseFilter', () => {
  it('treats undefined, null and {} as match-all', () => {
    expect(parseFilter(undefined)).toBe(MATCH_ALL);
    expect(parseFilter(null)).toBe(MATCH_ALL);
    expect(parseFilter({})).toEqual(MATCH_ALL);
  });

  it('reads a bare value as $eq and several top-level keys as an implicit AND', () => {
    expect(parseFilter({ genre: 'drama', year: 2020 })).toEqual({
      kind: 'and',
      children: [
        { kind: 'field', field: 'genre', op: '$eq', value: 'drama' },
        { kind: 'field', field: 'year', op: '$eq', value: 2020 },
      ],
    });
  });

  it('reads several operators on one field as an AND', () => {
    expect(parseFilter({ year: { $gte: 2000, $lt: 2010 } })).toEqual({
      kind: 'and',
      children: [
        { kind: 'field', field: 'year', op: '$gte', value: 2000 },
        { kind: 'field', field: 'year', op: '$lt', value: 2010 },
      ],
    });
  });

  it.each([
    [{ $not: [{ a: 1 }] }, /unknown logical operator "\$not"/],
    [{ a: { $regex: 'x' } }, /unknown operator "\$regex"/],
    [{ a: null }, /null is not a metadata value/],
    [{ a: { $eq: null } }, /null is not supported/],
    [{ a: [1, 2] }, /use \{"\$in"/],
    [{ a: {} }, /empty operator object/],
    [{ a: { $in: [] } }, /non-empty array/],
    [{ a: { $in: 'x' } }, /non-empty array/],
    [{ a: { $in: [true] } }, /a string or a finite number/],
    [{ a: { $gt: '5' } }, /finite number/],
    [{ a: { $gt: Number.NaN } }, /finite number/],
    [{ a: Number.POSITIVE_INFINITY }, /finite number/],
    [{ a: { $exists: 'yes' } }, /true or false/],
    [{ $and: [] }, /non-empty array/],
    [{ $or: {} }, /non-empty array/],
    [{ $and: [1] }, /plain object/],
    [{ '': 1 }, /must not be empty/],
    [{ $weird: 1 }, /unknown logical operator/],
    [JSON.parse('{"__proto__": {"$eq": 1}}'), /not allowed as a field name/],
    [{ constructor: 'x' }, /not allowed as a field name/],
    [{ prototype: 'x' }, /not allowed as a field name/],
    [[], /plain object/],
    ['genre = drama', /plain object/],
    [new Date(), /plain object/],
    [{ a: new Date() }, /expected a value or an object of operators/],
    [{ a: { $eq: { nested: 1 } } }, /a string, a finite number or a boolean/],
    [{ [Symbol('x')]: 1 }, /plain object/],
    [{ ['x'.repeat(FILTER_LIMITS.maxKeyLength + 1)]: 1 }, /at most 512 characters/],
  ])('refuses %j', (input, message) => {
    expectInvalid(input, message);
  });

  it('names the path of the offending part', () => {
    expectInvalid(
      { $or: [{ a: 1 }, { b: { $in: [1, null] } }] },
      /filter\.\$or\[1\]\.b\.\$in\[1\]/,
    );
  });

  it('refuses nesting deeper than the limit, without overflowing the stack', () => {
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 100_000; i++) deep = { $and: [deep] };
    expectInvalid(deep, /deeper than 10 levels/);
    let ok: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < FILTER_LIMITS.maxDepth; i++) ok = { $or: [ok] };
    expect(() => parseFilter(ok)).not.toThrow();
  });

  it('refuses $in lists over 10,000 values and filters over the total value budget', () => {
    const many = Array.from({ length: FILTER_LIMITS.maxInValues + 1 }, (_, i) => i);
    expectInvalid({ a: { $in: many } }, /limit is 10000/);
    expect(() => parseFilter({ a: { $in: many.slice(1) } })).not.toThrow();
    const big = Array.from({ length: 10_000 }, (_, i) => i);
    expectInvalid({ a: { $in: big }, b: { $in: big }, c: { $in: big } }, /more than 20000 values/);
  });

  it('refuses more comparisons than the limit', () => {
    const wide = Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`f${i}`, i]));
    expectInvalid(wide, /more than 1000 comparisons/);
  });

  it('refuses a small object graph that expands into a huge tree (shared sub-objects)', () => {
    let bomb: Record<string, unknown> = { a: 1 };
    for (let level = 0; level < FILTER_LIMITS.maxDepth; level++)
      bomb = { $or: Array(6).fill(bomb) };
    const started = performance.now();
    expectInvalid(bomb, /more than (1000 comparisons|2000 objects)/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses empty filters inside $and/$or, which would silently match everything', () => {
    expectInvalid({ $or: [{ a: 1 }, {}] }, /filter\.\$or\[1\]: an empty filter inside \$or/);
    expectInvalid({ $and: Array(300_000).fill({}) }, /empty filter/);
  });

  it('composes very wide filters without overflowing the stack', () => {
    const wide = parseFilter(
      Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`f${i}`, i])),
    );
    const composed = andFilters(...Array(200).fill(wide));
    expect(composed.kind === 'and' && composed.children.length).toBe(999 * 200);
  });

  it('is exposed as a zod schema for request bodies', () => {
    expect(filterSchema.safeParse({ a: 1 }).success).toBe(true);
    const bad = filterSchema.safeParse({ a: null });
    expect(bad.success).toBe(false);
  });
});

describe('filter evaluation', () => {
  const doc: Metadata = { genre: 'drama', year: 2019, draft: false, tags: ['a', 'b'] };

  it('follows Pinecone semantics for every operator', () => {
    expect(match({ genre: 'drama' }, doc)).toBe(true);
    expect(match({ genre: { $ne: 'drama' } }, doc)).toBe(false);
    expect(match({ year: { $gt: 2018, $lte: 2019 } }, doc)).toBe(true);
    expect(match({ year: { $lt: 2019 } }, doc)).toBe(false);
    expect(match({ year: { $gte: 2019 } }, doc)).toBe(true);
    expect(match({ genre: { $in: ['comedy', 'drama'] } }, doc)).toBe(true);
    expect(match({ genre: { $nin: ['comedy', 'drama'] } }, doc)).toBe(false);
    expect(match({ draft: false }, doc)).toBe(true);
    expect(match({ draft: { $exists: true } }, doc)).toBe(true);
    expect(match({ missing: { $exists: false } }, doc)).toBe(true);
    expect(match({ $or: [{ genre: 'comedy' }, { year: 2019 }] }, doc)).toBe(true);
    expect(match({ $and: [{ genre: 'comedy' }, { year: 2019 }] }, doc)).toBe(false);
  });

  it('matches list fields when any element matches', () => {
    expect(match({ tags: 'a' }, doc)).toBe(true);
    expect(match({ tags: { $in: ['z', 'b'] } }, doc)).toBe(true);
    expect(match({ tags: { $nin: ['a'] } }, doc)).toBe(false);
    expect(match({ tags: { $ne: 'c' } }, doc)).toBe(true);
  });

  it('never coerces types: "2019" is not 2019, 1 is not true', () => {
    expect(match({ year: '2019' }, doc)).toBe(false);
    expect(match({ year: { $in: ['2019'] } }, doc)).toBe(false);
    expect(match({ genre: { $gt: 1 } }, doc)).toBe(false);
    expect(match({ flag: 1 }, { flag: true })).toBe(false);
  });

  it('treats a missing field as unequal ($ne and $nin match) and unordered (ranges do not)', () => {
    expect(match({ missing: { $ne: 'x' } }, doc)).toBe(true);
    expect(match({ missing: { $nin: ['x'] } }, doc)).toBe(true);
    expect(match({ missing: { $gt: 0 } }, doc)).toBe(false);
    expect(match({ missing: 'x' }, doc)).toBe(false);
  });

  it('never reads inherited properties such as toString', () => {
    expect(match({ toString: { $exists: true } }, doc)).toBe(false);
    expect(match({ hasOwnProperty: { $ne: 'x' } }, doc)).toBe(true);
    expect(match({ valueOf: { $in: ['x'] } }, doc)).toBe(false);
  });
});

// A filter generator shared by the properties below.
const fieldArb = fc.constantFrom('a', 'b', 'tags', 'n');
const primitiveArb = fc.oneof(
  fc.constantFrom('x', 'y', 'z'),
  fc.integer({ min: -3, max: 3 }),
  fc.boolean(),
);
const leafArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ f: fieldArb, v: primitiveArb }).map(({ f, v }) => ({ [f]: v })),
  fc
    .record({ f: fieldArb, op: fc.constantFrom('$eq', '$ne'), v: primitiveArb })
    .map(({ f, op, v }) => ({ [f]: { [op]: v } })),
  fc
    .record({
      f: fieldArb,
      op: fc.constantFrom('$gt', '$gte', '$lt', '$lte'),
      v: fc.integer({ min: -3, max: 3 }),
    })
    .map(({ f, op, v }) => ({ [f]: { [op]: v } })),
  fc
    .record({
      f: fieldArb,
      op: fc.constantFrom('$in', '$nin'),
      v: fc.array(fc.oneof(fc.constantFrom('x', 'y'), fc.integer({ min: -3, max: 3 })), {
        minLength: 1,
        maxLength: 3,
      }),
    })
    .map(({ f, op, v }) => ({ [f]: { [op]: v } })),
  fc.record({ f: fieldArb, v: fc.boolean() }).map(({ f, v }) => ({ [f]: { $exists: v } })),
);
const filterArb = fc.letrec((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc
      .record({
        op: fc.constantFrom('$and', '$or'),
        children: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }),
      })
      .map(({ op, children }) => ({ [op]: children })),
  ),
})).filter as fc.Arbitrary<Record<string, unknown>>;
const metadataArb: fc.Arbitrary<Metadata> = fc.record(
  {
    a: primitiveArb,
    b: primitiveArb,
    n: fc.integer({ min: -3, max: 3 }),
    tags: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

// An independent, deliberately naive reference evaluator over the raw JSON.
function reference(filter: Record<string, unknown>, m: Metadata): boolean {
  return Object.entries(filter).every(([key, cond]) => {
    if (key === '$and') return (cond as Record<string, unknown>[]).every((f) => reference(f, m));
    if (key === '$or') return (cond as Record<string, unknown>[]).some((f) => reference(f, m));
    const has = Object.hasOwn(m, key);
    const actual = m[key];
    const values = Array.isArray(actual) ? actual : has ? [actual] : [];
    const ops =
      typeof cond === 'object' && cond !== null ? (cond as Record<string, unknown>) : { $eq: cond };
    return Object.entries(ops).every(([op, v]) => {
      switch (op) {
        case '$eq':
          return values.includes(v as never);
        case '$ne':
          return !values.includes(v as never);
        case '$in':
          return values.some((x) => (v as unknown[]).includes(x));
        case '$nin':
          return !values.some((x) => (v as unknown[]).includes(x));
        case '$exists':
          return has === v;
        default: {
          if (typeof actual !== 'number') return false;
          const bound = v as number;
          return op === '$gt'
            ? actual > bound
            : op === '$gte'
              ? actual >= bound
              : op === '$lt'
                ? actual < bound
                : actual <= bound;
        }
      }
    });
  });
}

describe('filter properties', () => {
  it('the compiled evaluator agrees with a naive reference evaluator', () => {
    fc.assert(
      fc.property(filterArb, metadataArb, (filter, metadata) => {
        expect(compileFilter(parseFilter(filter))(metadata)).toBe(reference(filter, metadata));
      }),
      { numRuns: 5_000 },
    );
  });

  it('round-trips through its canonical JSON form', () => {
    fc.assert(
      fc.property(filterArb, metadataArb, (filter, metadata) => {
        const expression = parseFilter(filter);
        const again = parseFilter(filterToJSON(expression));
        expect(compileFilter(again)(metadata)).toBe(compileFilter(expression)(metadata));
      }),
      { numRuns: 2_000 },
    );
  });

  it('AND composition can only narrow: a record passing the composed filter passes each part', () => {
    fc.assert(
      fc.property(filterArb, filterArb, metadataArb, (policyFilter, userFilter, metadata) => {
        const composed: FilterExpression = andFilters(
          parseFilter(policyFilter),
          parseFilter(userFilter),
        );
        if (compileFilter(composed)(metadata)) {
          expect(compileFilter(parseFilter(policyFilter))(metadata)).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('filterFields lists every field the filter names', () => {
    expect(
      [
        ...filterFields(
          parseFilter({ a: 1, $or: [{ b: 2 }, { $and: [{ c: { $exists: true } }] }] }),
        ),
      ].sort(),
    ).toEqual(['a', 'b', 'c']);
  });
});
