// The metadata filter language: Pinecone's operators, parsed once into a small expression tree
// that every backend evaluates (memory), translates (SQL) or passes through (Pinecone).
import { z } from 'zod';
import { InvalidFilterError } from './errors.js';
import type { Metadata, MetadataValue } from './metadata.js';

export type FilterPrimitive = string | number | boolean;

/** A filter as users write it, in Pinecone's JSON form. */
export interface Filter {
  readonly [key: string]: FilterCondition | readonly Filter[] | undefined;
}

export type FilterCondition =
  | FilterPrimitive
  | {
      readonly $eq?: FilterPrimitive;
      readonly $ne?: FilterPrimitive;
      readonly $gt?: number;
      readonly $gte?: number;
      readonly $lt?: number;
      readonly $lte?: number;
      readonly $in?: readonly (string | number)[];
      readonly $nin?: readonly (string | number)[];
      readonly $exists?: boolean;
    };

export type FieldPredicate =
  | { readonly op: '$eq' | '$ne'; readonly value: FilterPrimitive }
  | { readonly op: '$gt' | '$gte' | '$lt' | '$lte'; readonly value: number }
  | { readonly op: '$in' | '$nin'; readonly value: readonly (string | number)[] }
  | { readonly op: '$exists'; readonly value: boolean };

/** A parsed, validated filter. Backends receive this, never raw user input. */
export type FilterExpression =
  | { readonly kind: 'and' | 'or'; readonly children: readonly FilterExpression[] }
  | ({ readonly kind: 'field'; readonly field: string } & FieldPredicate);

export type FieldOperator = FieldPredicate['op'];

/** Limits every filter must respect. Exceeding one is an `InvalidFilterError`. */
export const FILTER_LIMITS = Object.freeze({
  /** Nesting of `$and` / `$or`. */
  maxDepth: 10,
  /** Values in one `$in` / `$nin` (Pinecone's limit). */
  maxInValues: 10_000,
  /** Field comparisons in the whole filter. */
  maxComparisons: 1_000,
  /** Objects (filters and operator objects) in the whole filter, shared sub-objects counted each time. */
  maxNodes: 2_000,
  /** Values across the whole filter. */
  maxTotalValues: 20_000,
  /** Length of a field name or a string value. */
  maxKeyLength: 512,
  maxStringLength: 8_192,
});

/** Keys that would reach an object's prototype in a naive evaluator. Never valid field names. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

const COMPARISON_OPERATORS = new Set<string>([
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
]);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) &&
    Object.getOwnPropertySymbols(value).length === 0
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks a field name; returns a reason when it is not allowed. */
export function fieldNameProblem(key: string): string | null {
  if (key.length === 0) return 'field names must not be empty';
  if (key.length > FILTER_LIMITS.maxKeyLength) {
    return `field names must be at most ${FILTER_LIMITS.maxKeyLength} characters`;
  }
  if (key.startsWith('$')) return `"${key}" starts with "$", which is reserved for operators`;
  if (FORBIDDEN_KEYS.has(key)) return `"${key}" is not allowed as a field name`;
  return null;
}

class FilterParser {
  private comparisons = 0;
  private values = 0;
  private nodes = 0;

  fail(path: string, problem: string): never {
    throw new InvalidFilterError(`Invalid filter at ${path}: ${problem}.`, {
      details: { path },
    });
  }

  parseObject(input: unknown, path: string, depth: number): FilterExpression {
    if (!isPlainObject(input)) {
      this.fail(path, `expected a plain object, got ${describe(input)}`);
    }
    this.countNode(path);
    const parts: FilterExpression[] = [];
    for (const key of Object.keys(input)) {
      const value = input[key];
      const at = `${path}.${key}`;
      if (key === '$and' || key === '$or') {
        parts.push(this.parseLogical(key, value, at, depth));
      } else if (key.startsWith('$')) {
        this.fail(at, `unknown logical operator "${key}" (use $and or $or)`);
      } else {
        const problem = fieldNameProblem(key);
        if (problem) this.fail(at, problem);
        parts.push(...this.parseCondition(key, value, at));
      }
    }
    if (parts.length === 1) return parts[0]!;
    return { kind: 'and', children: parts };
  }

  private parseLogical(
    key: '$and' | '$or',
    value: unknown,
    path: string,
    depth: number,
  ): FilterExpression {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(path, `${key} takes a non-empty array of filters, got ${describe(value)}`);
    }
    if (depth + 1 > FILTER_LIMITS.maxDepth) {
      this.fail(path, `nesting is deeper than ${FILTER_LIMITS.maxDepth} levels of $and/$or`);
    }
    const children = value.map((child, i) => {
      if (isPlainObject(child) && Object.keys(child).length === 0) {
        this.fail(`${path}[${i}]`, `an empty filter inside ${key} matches everything; remove it`);
      }
      return this.parseObject(child, `${path}[${i}]`, depth + 1);
    });
    return { kind: key === '$and' ? 'and' : 'or', children };
  }

  private parseCondition(field: string, value: unknown, path: string): FilterExpression[] {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return [this.comparison(field, '$eq', value, path)];
    }
    if (!isPlainObject(value)) {
      const hint =
        value === null
          ? 'null is not a metadata value; use {"$exists": false} to match a missing field'
          : Array.isArray(value)
            ? 'an array is not a value; use {"$in": [...]} to match any of several values'
            : `expected a value or an object of operators, got ${describe(value)}`;
      this.fail(path, hint);
    }
    const operators = Object.keys(value);
    if (operators.length === 0) this.fail(path, 'an empty operator object matches nothing useful');
    this.countNode(path);
    return operators.map((op) => this.comparison(field, op, value[op], `${path}.${op}`));
  }

  private comparison(field: string, op: string, value: unknown, path: string): FilterExpression {
    if (!COMPARISON_OPERATORS.has(op)) {
      this.fail(path, `unknown operator "${op}" (one of ${[...COMPARISON_OPERATORS].join(', ')})`);
    }
    this.comparisons += 1;
    if (this.comparisons > FILTER_LIMITS.maxComparisons) {
      this.fail(path, `more than ${FILTER_LIMITS.maxComparisons} comparisons`);
    }
    switch (op) {
      case '$eq':
      case '$ne':
        return { kind: 'field', field, op, value: this.primitive(value, path, true) };
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          this.fail(path, `${op} takes a finite number, got ${describe(value)}`);
        }
        this.count(1, path);
        return { kind: 'field', field, op, value };
      case '$in':
      case '$nin': {
        if (!Array.isArray(value) || value.length === 0) {
          this.fail(
            path,
            `${op} takes a non-empty array of strings or numbers, got ${describe(value)}`,
          );
        }
        if (value.length > FILTER_LIMITS.maxInValues) {
          this.fail(
            path,
            `${op} has ${value.length} values; the limit is ${FILTER_LIMITS.maxInValues}`,
          );
        }
        const values = value.map(
          (item, i) => this.primitive(item, `${path}[${i}]`, false) as string | number,
        );
        return { kind: 'field', field, op, value: values };
      }
      default:
        if (typeof value !== 'boolean')
          this.fail(path, `$exists takes true or false, got ${describe(value)}`);
        return { kind: 'field', field, op: '$exists', value };
    }
  }

  private primitive(value: unknown, path: string, allowBoolean: boolean): FilterPrimitive {
    this.count(1, path);
    if (typeof value === 'string') {
      if (value.length > FILTER_LIMITS.maxStringLength) {
        this.fail(path, `strings must be at most ${FILTER_LIMITS.maxStringLength} characters`);
      }
      return value;
    }
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'boolean' && allowBoolean) return value;
    const expected = allowBoolean
      ? 'a string, a finite number or a boolean'
      : 'a string or a finite number';
    const extra = value === null ? ' (null is not supported; use $exists)' : '';
    this.fail(path, `expected ${expected}, got ${describe(value)}${extra}`);
  }

  private countNode(path: string): void {
    this.nodes += 1;
    if (this.nodes > FILTER_LIMITS.maxNodes) {
      this.fail(path, `more than ${FILTER_LIMITS.maxNodes} objects in one filter`);
    }
  }

  private count(n: number, path: string): void {
    this.values += n;
    if (this.values > FILTER_LIMITS.maxTotalValues) {
      this.fail(path, `more than ${FILTER_LIMITS.maxTotalValues} values in one filter`);
    }
  }
}

/** The match-everything expression: an empty AND. */
export const MATCH_ALL: FilterExpression = Object.freeze({
  kind: 'and',
  children: Object.freeze([]),
});

/**
 * Parses and validates a filter written in Pinecone's filter language. `{}`, `undefined` and
 * `null` mean "no filter". Throws `InvalidFilterError` naming the offending path.
 */
export function parseFilter(input: unknown): FilterExpression {
  if (input === undefined || input === null) return MATCH_ALL;
  return new FilterParser().parseObject(input, 'filter', 0);
}

/** A zod schema that accepts a filter and outputs its parsed expression, for request bodies. */
export const filterSchema = z.unknown().transform((input, ctx): FilterExpression => {
  try {
    return parseFilter(input);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** ANDs expressions, flattening nested ANDs and dropping match-all parts. */
export function andFilters(...parts: FilterExpression[]): FilterExpression {
  const children: FilterExpression[] = [];
  for (const part of parts) {
    // A loop, not push(...spread): a wide AND would overflow the argument stack.
    if (part.kind === 'and') for (const child of part.children) children.push(child);
    else children.push(part);
  }
  return children.length === 1 ? children[0]! : { kind: 'and', children };
}

/** Every field name an expression mentions. */
export function filterFields(expression: FilterExpression, into = new Set<string>()): Set<string> {
  if (expression.kind === 'field') into.add(expression.field);
  else for (const child of expression.children) filterFields(child, into);
  return into;
}

/** The expression back in Pinecone's JSON form (canonical: explicit operators). */
export function filterToJSON(expression: FilterExpression): Filter {
  switch (expression.kind) {
    case 'and':
      return expression.children.length === 0
        ? {}
        : { $and: expression.children.map(filterToJSON) };
    case 'or':
      return { $or: expression.children.map(filterToJSON) };
    default:
      return { [expression.field]: { [expression.op]: expression.value } } as Filter;
  }
}

export type MetadataPredicate = (metadata: Readonly<Metadata>) => boolean;

// Reads a field without ever reaching the prototype. Names that exist on Object.prototype
// (`toString`, `valueOf`, …) need the hasOwn check; every other name can be read directly, which
// keeps the scan loop fast.
function valueReader(field: string): (metadata: Readonly<Metadata>) => MetadataValue | undefined {
  if (field in Object.prototype) {
    return (m) => (Object.hasOwn(m, field) ? m[field] : undefined);
  }
  return (m) => m[field];
}

function compileField(expression: Extract<FilterExpression, { kind: 'field' }>): MetadataPredicate {
  const { field } = expression;
  const ownValue = valueReader(field);
  switch (expression.op) {
    case '$eq': {
      const expected = expression.value;
      // The hottest predicate: scalar equality first, without the extra reader call.
      if (!(field in Object.prototype)) {
        return (m) => {
          const actual = m[field];
          return (
            actual === expected || (Array.isArray(actual) && actual.includes(expected as string))
          );
        };
      }
      return (m) => {
        const actual = ownValue(m);
        return (
          actual === expected || (Array.isArray(actual) && actual.includes(expected as string))
        );
      };
    }
    case '$ne': {
      const expected = expression.value;
      return (m) => {
        const actual = ownValue(m);
        return Array.isArray(actual) ? !actual.includes(expected as string) : actual !== expected;
      };
    }
    case '$in':
    case '$nin': {
      const set = new Set<unknown>(expression.value);
      const wantIn = expression.op === '$in';
      return (m) => {
        const actual = ownValue(m);
        const hit = Array.isArray(actual) ? actual.some((v) => set.has(v)) : set.has(actual);
        return hit === wantIn;
      };
    }
    case '$exists': {
      const wanted = expression.value;
      return (m) => Object.hasOwn(m, field) === wanted;
    }
    default: {
      const bound = expression.value;
      const op = expression.op;
      return (m) => {
        const actual = ownValue(m);
        if (typeof actual !== 'number') return false;
        if (op === '$gt') return actual > bound;
        if (op === '$gte') return actual >= bound;
        if (op === '$lt') return actual < bound;
        return actual <= bound;
      };
    }
  }
}

/**
 * Compiles an expression into a predicate over metadata. Semantics follow Pinecone: a list field
 * matches `$eq`/`$in` when any element does; `$ne`/`$nin` match records where the field is missing;
 * range operators match numbers only; values are compared with strict equality (no coercion).
 */
export function compileFilter(expression: FilterExpression): MetadataPredicate {
  if (expression.kind === 'field') return compileField(expression);
  const children = expression.children.map(compileFilter);
  // Plain loops and fixed arities: this runs once per candidate row in the embedded store.
  if (expression.kind === 'and') {
    if (children.length === 0) return () => true;
    if (children.length === 1) return children[0]!;
    if (children.length === 2) {
      const [first, second] = children as [MetadataPredicate, MetadataPredicate];
      return (m) => first(m) && second(m);
    }
    return (m) => {
      for (let i = 0; i < children.length; i++) if (!children[i]!(m)) return false;
      return true;
    };
  }
  if (children.length === 2) {
    const [first, second] = children as [MetadataPredicate, MetadataPredicate];
    return (m) => first(m) || second(m);
  }
  return (m) => {
    for (let i = 0; i < children.length; i++) if (children[i]!(m)) return true;
    return false;
  };
}

/** Evaluates a filter against one record's metadata. Prefer `compileFilter` in loops. */
export function matchesFilter(expression: FilterExpression, metadata: Readonly<Metadata>): boolean {
  return compileFilter(expression)(metadata);
}
