// Core's parsed metadata filter as a parameterised SQL condition over a jsonb column, with exactly
// the semantics of core's in-memory evaluator (`compileFilter`). Every key and value is a bound
// parameter; only operators and SQL keywords are literal text.
import type { FilterExpression } from '@scoped-rag/core';
import { type SQL, sql } from 'drizzle-orm';
import { encodeText } from './stored-text.js';

const TRUE = sql`true`;
const FALSE = sql`false`;

const RANGE_OPERATORS = {
  $gt: sql.raw('>'),
  $gte: sql.raw('>='),
  $lt: sql.raw('<'),
  $lte: sql.raw('<='),
} as const;

type FieldExpression = Extract<FilterExpression, { kind: 'field' }>;

function fieldCondition(expression: FieldExpression, column: SQL): SQL {
  // Keys and strings in their stored form (see stored-text.ts).
  const value = sql`(${column} -> ${encodeText(expression.field)})`;
  switch (expression.op) {
    case '$eq':
    case '$ne': {
      const expected =
        typeof expression.value === 'string' ? encodeText(expression.value) : expression.value;
      // jsonb containment: a scalar contains an equal scalar (numbers compare as numbers, no
      // coercion between types), and an array contains each of its elements.
      const equal = sql`coalesce(${value} @> ${JSON.stringify(expected)}::jsonb, false)`;
      return expression.op === '$eq' ? equal : sql`not ${equal}`;
    }
    case '$in':
    case '$nin': {
      const values = expression.value.map((v) => (typeof v === 'string' ? encodeText(v) : v));
      const strings = values.filter((v) => typeof v === 'string');
      // A list field matches when any element is listed (its elements are strings); any other
      // field when the listed values contain it.
      const anyListed = sql`coalesce(case when jsonb_typeof(${value}) = 'array' then ${value} ?| array(select jsonb_array_elements_text(${JSON.stringify(strings)}::jsonb)) else ${JSON.stringify(values)}::jsonb @> jsonb_build_array(${value}) end, false)`;
      return expression.op === '$in' ? anyListed : sql`not ${anyListed}`;
    }
    case '$exists':
      // Metadata never holds JSON null, so "the key is present" is "the value is not null".
      return expression.value ? sql`(${value} is not null)` : sql`(${value} is null)`;
    default:
      return sql`coalesce(jsonb_typeof(${value}) = 'number' and ${value} ${RANGE_OPERATORS[expression.op]} ${JSON.stringify(expression.value)}::jsonb, false)`;
  }
}

/**
 * The SQL condition (never NULL) that holds exactly for the records whose metadata, in the jsonb
 * `column` and in stored form (`encodeMetadata`), satisfies `expression` as core's
 * `matchesFilter` evaluates it.
 */
export function filterToSQL(expression: FilterExpression, column: SQL = sql`metadata`): SQL {
  if (expression.kind === 'field') return fieldCondition(expression, column);
  if (expression.children.length === 0) return expression.kind === 'and' ? TRUE : FALSE;
  const parts = expression.children.map((child) => sql`(${filterToSQL(child, column)})`);
  return sql.join(parts, expression.kind === 'and' ? sql` and ` : sql` or `);
}
