// filterToSQL agrees with core's in-memory evaluator on every record and filter, hostile keys and
// values included, and never lets a key or value reach the SQL text.
import { type Filter, type Metadata, matchesFilter, parseFilter } from '@scoped-rag/core';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { filterToSQL } from '../src/filter-sql.js';
import {
  decodeMetadata,
  decodeText,
  ESCAPE_MARK,
  encodeMetadata,
  encodeText,
  isStorableText,
} from '../src/stored-text.js';
import { describeDatabases } from './databases.js';

const HOSTILE_TEXT = [
  'a',
  // Strings PostgreSQL cannot store as they are: stored escaped.
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  ESCAPE_MARK,
  `${ESCAPE_MARK}"a"`,
  'b',
  '',
  "it's",
  "'",
  '"',
  '\\',
  'back\\slash',
  "'); drop table fuzz; --",
  '"; drop table fuzz; --',
  '$1',
  'x$eq',
  '$in',
  '?|',
  '::jsonb',
  '%',
  '_',
  'ключ',
  '\u00e9',
  'e\u0301',
  '\u{1F600}',
  '\ufffd',
  ' ',
  'NULL',
  'null',
  'true',
  '1',
  '1.0',
  'x'.repeat(512),
  'y'.repeat(8_192),
];

// Keys metadata may hold (core's rules: not empty, no leading "$", no prototype names).
const keyArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ...HOSTILE_TEXT.filter((k) => k !== '' && k.length <= 512 && !k.startsWith('$')),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 6 })
      .filter((k) => !k.startsWith('$') && !['__proto__', 'constructor', 'prototype'].includes(k)),
  },
);
const stringArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
);
const numberArb = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    1.5,
    0.1,
    0.30000000000000004,
    1e21,
    -1e300,
    1e300,
    5e-324,
    2 ** 53,
    Number.MAX_VALUE,
  ),
  fc.integer({ min: -3, max: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const valueArb: fc.Arbitrary<Metadata[string]> = fc.oneof(
  stringArb,
  numberArb,
  fc.boolean(),
  fc.array(stringArb, { maxLength: 3 }),
);
const metadataArb: fc.Arbitrary<Metadata> = fc.dictionary(keyArb, valueArb, { maxKeys: 4 });

const filterKeyArb = keyArb;
const filterStringArb = stringArb;
const primitiveArb = fc.oneof(filterStringArb, numberArb, fc.boolean());

const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ k: filterKeyArb, v: primitiveArb }).map(({ k, v }) => ({ [k]: v })),
  fc
    .record({ k: filterKeyArb, op: fc.constantFrom('$eq', '$ne'), v: primitiveArb })
    .map(({ k, op, v }) => ({ [k]: { [op]: v } })),
  fc
    .record({ k: filterKeyArb, op: fc.constantFrom('$gt', '$gte', '$lt', '$lte'), v: numberArb })
    .map(({ k, op, v }) => ({ [k]: { [op]: v } })),
  fc
    .record({
      k: filterKeyArb,
      op: fc.constantFrom('$in', '$nin'),
      v: fc.array(fc.oneof(filterStringArb, numberArb), { minLength: 1, maxLength: 4 }),
    })
    .map(({ k, op, v }) => ({ [k]: { [op]: v } })),
  fc.record({ k: filterKeyArb, v: fc.boolean() }).map(({ k, v }) => ({ [k]: { $exists: v } })),
);
const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc
      .record({
        op: fc.constantFrom('$and', '$or'),
        children: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }),
      })
      .map(({ op, children }) => ({ [op]: children }) as Filter),
  ),
})).filter;

describeDatabases('filterToSQL', (database, kind) => {
  let run = 0;
  beforeAll(async () => {
    await database().query('CREATE TABLE fuzz (run int, n int, metadata jsonb NOT NULL)');
  });

  async function matchingRows(runId: number, filter: Filter): Promise<number[]> {
    const condition = filterToSQL(parseFilter(filter));
    const result = await database().db.execute(
      sql`select n from fuzz where run = ${runId} and (${condition}) order by n`,
    );
    return (result as unknown as { rows: { n: number }[] }).rows.map((row) => row.n);
  }

  async function insert(dataset: readonly Metadata[]): Promise<number> {
    run += 1;
    await database().query(
      'INSERT INTO fuzz SELECT $1, n - 1, value FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(value, n)',
      [run, JSON.stringify(dataset.map(encodeMetadata))],
    );
    return run;
  }

  it('selects exactly the records matchesFilter accepts, for random metadata and filters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(metadataArb, { minLength: 1, maxLength: 12 }),
        fc.array(filterArb, { minLength: 1, maxLength: 8 }),
        async (dataset, filters) => {
          const runId = await insert(dataset);
          for (const filter of filters) {
            const expression = parseFilter(filter);
            const expected = dataset.flatMap((m, n) => (matchesFilter(expression, m) ? [n] : []));
            expect(await matchingRows(runId, filter), JSON.stringify(filter)).toEqual(expected);
          }
        },
      ),
      { numRuns: kind === 'pglite' ? 150 : 300 },
    );
  });

  it('compares without coercion and treats list fields element by element', async () => {
    const dataset: Metadata[] = [
      { v: 1 },
      { v: '1' },
      { v: true },
      { v: 'true' },
      { v: ['1', 'a'] },
      { v: [] },
      {},
      { v: 1.0, w: 'x' },
    ];
    const runId = await insert(dataset);
    const cases: [Filter, number[]][] = [
      [{ v: 1 }, [0, 7]],
      [{ v: '1' }, [1, 4]],
      [{ v: true }, [2]],
      [{ v: { $ne: 1 } }, [1, 2, 3, 4, 5, 6]],
      [{ v: { $ne: 'a' } }, [0, 1, 2, 3, 5, 6, 7]],
      [{ v: { $in: ['a', 1] } }, [0, 4, 7]],
      [{ v: { $nin: ['1'] } }, [0, 2, 3, 5, 6, 7]],
      [{ v: { $gte: 1 } }, [0, 7]],
      [{ v: { $lt: 2 } }, [0, 7]],
      [{ v: { $exists: false } }, [6]],
      [{ v: { $exists: true }, w: { $exists: false } }, [0, 1, 2, 3, 4, 5]],
      [{ $or: [{ v: true }, { w: 'x' }] }, [2, 7]],
      [{ 'a\u0000': { $exists: false } }, [0, 1, 2, 3, 4, 5, 6, 7]],
      [{ v: { $nin: ['\ud800'] } }, [0, 1, 2, 3, 4, 5, 6, 7]],
      [{ v: { $in: ['\u0000'] } }, []],
    ];
    for (const [filter, expected] of cases) {
      const expression = parseFilter(filter);
      expect(dataset.flatMap((m, n) => (matchesFilter(expression, m) ? [n] : []))).toEqual(
        expected,
      );
      expect(await matchingRows(runId, filter), JSON.stringify(filter)).toEqual(expected);
    }
  });

  it('leaves the table intact whatever a filter holds', async () => {
    const [before] = await database().query('SELECT count(*)::int AS rows FROM fuzz');
    await matchingRows(run, { "'); drop table fuzz; --": { $in: ['"; drop table fuzz; --'] } });
    const [after] = await database().query('SELECT count(*)::int AS rows FROM fuzz');
    expect(after).toEqual(before);
  });
});

it('binds every key and value: the SQL text holds none of them', () => {
  fc.assert(
    fc.property(filterArb, (filter) => {
      const query = sql`select 1 where ${filterToSQL(parseFilter(filter))}`;
      const { sql: text, params } = new PgDialect().sqlToQuery(query);
      for (const param of params) expect(typeof param).toBe('string');
      // The literal text is made of SQL keywords, operators, casts and placeholders only.
      expect(text).toMatch(/^[a-z0-9_ ().,=<>@?|:$'-]*$/);
      // The only quoted literals are the jsonb type names it tests for.
      expect(text.replaceAll("'array'", '').replaceAll("'number'", '')).not.toContain("'");
    }),
    { numRuns: 300 },
  );
});

it('isStorableText refuses exactly NUL and unpaired surrogates', () => {
  expect(['', 'abc', '\u{1F600}', '\ufffd', 'ключ'].every(isStorableText)).toBe(true);
  expect(
    ['\u0000', 'a\u0000', '\ud800', '\udc00', '\udc00\ud800', 'x\ud83d'].some(isStorableText),
  ).toBe(false);
});

it('stores every string reversibly and one-to-one, leaving storable ones as they are', () => {
  const anyString = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 4 }).map((s) => ESCAPE_MARK + s),
  );
  fc.assert(
    fc.property(anyString, anyString, (a, b) => {
      const stored = encodeText(a);
      expect(isStorableText(stored)).toBe(true);
      expect(decodeText(stored)).toBe(a);
      if (isStorableText(a) && !a.startsWith(ESCAPE_MARK)) expect(stored).toBe(a);
      expect(encodeText(b) === stored).toBe(a === b);
    }),
    { numRuns: 2_000 },
  );
  const metadata = JSON.parse(
    '{"k\\u0000": ["\\ud800", "ok"], "__proto__": "x", "n": 1, "b": false}',
  ) as Metadata;
  expect(Object.keys(metadata)).toContain('__proto__');
  expect(decodeMetadata(encodeMetadata(metadata))).toEqual(metadata);
});
