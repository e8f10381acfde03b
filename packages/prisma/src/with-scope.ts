// withScope: the "data access object that defaults to secure" for an app's own Prisma models.
// Instead of remembering `where: { orgId }` in every query (and forgetting it once), the app queries
// through a client that ANDs the tenant onto every where, stamps it on every create, refuses to
// move a row to another tenant, refuses what it cannot check (raw SQL, most nested writes, models
// it was not told about) and checks related rows it reads through a to-one relation.
import {
  InvalidInputError,
  type Scope,
  ScopeBreachError,
  ScopeViolationError,
  scopeAccess,
  UnsupportedError,
} from '@scoped-rag/core';

export interface WithScopeOptions {
  /**
   * The app's tenant models and, for each, the field holding the tenant key:
   * `{ Project: 'orgId', Note: 'tenantKey' }`, or a list of model names whose field is `tenantKey`.
   * The field must be a String scalar; the scope's `tenantKey` is what it holds.
   */
  readonly models: readonly string[] | Readonly<Record<string, string>>;
  /**
   * Models without a tenant that every tenant may read and write through this client (a plans or
   * feature-flag table). Any model in neither list is refused: a new tenant table someone forgot to
   * list fails loudly instead of leaking.
   */
  readonly sharedModels?: readonly string[];
}

interface RuntimeField {
  readonly name: string;
  readonly kind: string;
  readonly type: string;
  readonly relationName?: string;
  /** From the schema text: `Type[]`. */
  isList?: boolean;
  /** From the schema text: the scalar fields of `@relation(fields: [...])` on this side. */
  fromFields?: readonly string[];
  /** From the schema text: the fields of `@relation(references: [...])` they point at. */
  toFields?: readonly string[];
}

interface RuntimeModel {
  readonly fields: readonly RuntimeField[];
}

type Args = Record<string, unknown>;

const READS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);
const FILTERED_WRITES = new Set([
  'update',
  'updateMany',
  'updateManyAndReturn',
  'delete',
  'deleteMany',
]);
const CREATES = new Set(['create', 'createMany', 'createManyAndReturn']);
const REFUSED_NESTED = ['update', 'updateMany', 'upsert', 'delete', 'deleteMany'];

const isObject = (value: unknown): value is Args =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
const asArray = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const FIELD_LINE = /^\s*([A-Za-z_]\w*)\s+([A-Za-z_]\w*)(\[\])?\??(.*)$/;

/**
 * The client's models with what withScope needs to know of each relation field: whether it is a
 * list, and which scalar fields it sets. Prisma Client keeps its runtime data model (kinds, types,
 * relation names) and the schema text it was generated from; list-ness and `@relation(fields:)`
 * are read from the latter.
 */
function modelsOf(prisma: unknown): Readonly<Record<string, RuntimeModel>> {
  const client = prisma as {
    $extends?: unknown;
    _runtimeDataModel?: { models?: Record<string, RuntimeModel> };
    _engineConfig?: { inlineSchema?: unknown };
  } | null;
  const models = client?._runtimeDataModel?.models;
  const schema = client?._engineConfig?.inlineSchema;
  if (typeof client?.$extends !== 'function' || !isObject(models) || typeof schema !== 'string') {
    throw new InvalidInputError(
      'withScope needs a Prisma Client (Prisma 7, generator prisma-client or prisma-client-js): new PrismaClient({ adapter }).',
    );
  }
  const copy: Record<string, RuntimeModel> = {};
  for (const [name, model] of Object.entries(models as Record<string, RuntimeModel>)) {
    copy[name] = { fields: model.fields.map((field) => ({ ...field })) };
  }
  let current: RuntimeModel | undefined;
  for (const line of schema.split('\n')) {
    const opening = /^\s*model\s+([A-Za-z_]\w*)\s*\{/.exec(line);
    if (opening) {
      current = copy[opening[1]!];
      continue;
    }
    if (/^\s*\}/.test(line)) {
      current = undefined;
      continue;
    }
    const match = current && !/^\s*(\/\/|@@)/.test(line) ? FIELD_LINE.exec(line) : null;
    const field = match && current?.fields.find((f) => f.name === match[1]);
    if (!match || !field || field.kind !== 'object') continue;
    field.isList = match[3] === '[]';
    const list = (key: string) =>
      new RegExp(`@relation\\([^)]*\\b${key}:\\s*\\[([^\\]]*)\\]`)
        .exec(match[4] ?? '')?.[1]
        ?.split(',')
        .map((name) => name.trim()) ?? [];
    field.fromFields = list('fields');
    field.toFields = list('references');
  }
  return copy;
}

/**
 * A client whose queries on `options.models` can only see and change rows of `scope`'s tenant.
 * The result has the same API as `prisma` (it is `prisma.$extends(…)`), so it is typed like it.
 */
export function withScope<C>(prisma: C, scope: Scope, options: WithScopeOptions): C {
  const access = scopeAccess(scope);
  const tenant = access.tenantKey;
  const datamodel = modelsOf(prisma);
  const scoped = new Map<string, string>(
    Array.isArray(options?.models)
      ? (options.models as readonly string[]).map((model) => [model, 'tenantKey'])
      : Object.entries((options?.models ?? {}) as Record<string, string>),
  );
  const shared = new Set(options.sharedModels ?? []);
  if (scoped.size === 0) {
    throw new InvalidInputError('withScope needs { models }: the tenant models to scope.');
  }
  for (const [model, field] of scoped) {
    const found = datamodel[model]?.fields.find((f) => f.name === field);
    if (!datamodel[model]) {
      throw new InvalidInputError(
        `withScope: the Prisma schema has no model "${model}" (models: ${Object.keys(datamodel).join(', ')}).`,
      );
    }
    if (found?.kind !== 'scalar' || found.type !== 'String' || found.isList) {
      throw new InvalidInputError(
        `withScope: model "${model}" has no String field "${field}" to scope by. Add a tenant column (String) or name it: models: { ${model}: 'orgId' }.`,
      );
    }
    if (shared.has(model)) {
      throw new InvalidInputError(`withScope: model "${model}" cannot be both scoped and shared.`);
    }
  }
  for (const model of shared) {
    if (!datamodel[model]) {
      throw new InvalidInputError(`withScope: the Prisma schema has no model "${model}".`);
    }
  }

  const relationsOf = (model: string) =>
    new Map(
      (datamodel[model]?.fields ?? [])
        .filter((field) => field.kind === 'object')
        .map((field) => [field.name, field]),
    );

  /** Throws unless `model` may be used through this client at all. */
  function checkModel(model: string, how: string): void {
    if (!scoped.has(model) && !shared.has(model)) {
      throw new ScopeViolationError(
        `${how} model "${model}", which withScope was not told about: list it in models (with its tenant field) or, if it holds no tenant data, in sharedModels.`,
        { details: { model } },
      );
    }
  }

  const tenantWhere = (model: string): Args => ({ [scoped.get(model)!]: tenant });
  /** Set while rewriting an operation that connects related rows (for error reporting). */
  let connects = false;

  /**
   * A where whose relation filters (`notes: { some: … }`, `project: { is: … }`, `project: { … }`)
   * only look at rows of this tenant: even a filter's yes/no must not depend on another tenant's
   * rows (a relation that does not include the tenant column could reach them).
   */
  function scopeWhere(model: string, where: unknown, path: string): unknown {
    if (where === undefined) return undefined;
    if (!isObject(where)) throw new InvalidInputError(`${path} must be an object.`);
    const relations = relationsOf(model);
    const next: Args = {};
    for (const [key, value] of Object.entries(where)) {
      if (key === 'AND' || key === 'OR' || key === 'NOT') {
        next[key] = Array.isArray(value)
          ? value.map((item, i) => scopeWhere(model, item, `${path}.${key}[${i}]`))
          : scopeWhere(model, value, `${path}.${key}`);
        continue;
      }
      const relation = relations.get(key);
      if (!relation || value === undefined) {
        next[key] = value;
        continue;
      }
      checkModel(relation.type, `${path}.${key} filters on`);
      const inTarget = (filter: unknown, at: string): unknown => {
        if (filter === null) return null;
        const scopedFilter = scopeWhere(relation.type, filter, at) as Args;
        return scoped.has(relation.type)
          ? { ...scopedFilter, AND: [...asArray(scopedFilter.AND), tenantWhere(relation.type)] }
          : scopedFilter;
      };
      if (!isObject(value)) {
        next[key] = value;
        continue;
      }
      const operators = relation.isList ? ['some', 'every', 'none'] : ['is', 'isNot'];
      if (Object.keys(value).some((name) => operators.includes(name))) {
        next[key] = Object.fromEntries(
          Object.entries(value).map(([name, filter]) => [
            name,
            operators.includes(name) ? inTarget(filter, `${path}.${key}.${name}`) : filter,
          ]),
        );
      } else {
        next[key] = inTarget(value, `${path}.${key}`);
      }
    }
    return next;
  }

  /** `where` AND this tenant, keeping unique fields at the top (findUnique, update, connect). */
  function andTenant(model: string, where: unknown): Args {
    if (where !== undefined && !isObject(where)) {
      throw new InvalidInputError(`where on ${model} must be an object.`);
    }
    const scopedWhere = (scopeWhere(model, where, `${model} where`) ?? {}) as Args;
    return { ...scopedWhere, AND: [...asArray(scopedWhere.AND), tenantWhere(model)] };
  }

  // ------------------------------------------------------------------------------------------
  // Reads: nested include/select

  /**
   * Scopes the relations an include/select reaches: to-many ones get the tenant in their where;
   * to-one ones (which take no where) are checked in the result by `checkResult`, so their tenant
   * field is selected too.
   */
  function scopeSelection(model: string, args: Args, path: string): void {
    for (const key of ['include', 'select'] as const) {
      const selection = args[key];
      if (!isObject(selection)) continue;
      const relations = relationsOf(model);
      const next: Args = { ...selection };
      for (const [name, value] of Object.entries(selection)) {
        if (name === '_count') {
          next._count = scopeCount(model, value, `${path}._count`);
          continue;
        }
        const relation = relations.get(name);
        if (!relation || value === false || value === undefined) continue;
        checkModel(relation.type, `${path}.${name} reads`);
        const nested: Args = isObject(value) ? { ...value } : {};
        if (nested.orderBy !== undefined) {
          checkOrderBy(relation.type, nested.orderBy, `${path}.${name}.orderBy`);
        }
        if (relation.isList) {
          nested.where = scoped.has(relation.type)
            ? andTenant(relation.type, nested.where)
            : scopeWhere(relation.type, nested.where, `${path}.${name}.where`);
          if (nested.where === undefined) delete nested.where;
        } else if (scoped.has(relation.type) && isObject(nested.select)) {
          // The to-one row is checked after the query: make sure its tenant field comes back.
          nested.select = { ...nested.select, [scoped.get(relation.type)!]: true };
        }
        scopeSelection(relation.type, nested, `${path}.${name}`);
        next[name] = Object.keys(nested).length === 0 ? true : nested;
      }
      args[key] = next;
    }
  }

  function scopeCount(model: string, value: unknown, path: string): unknown {
    const select = isObject(value) ? value.select : undefined;
    if (!isObject(select)) {
      throw new UnsupportedError(
        `${path}: count the relations by name (_count: { select: { notes: true } }) so withScope can scope each one.`,
      );
    }
    const relations = relationsOf(model);
    const next: Args = {};
    for (const [name, wanted] of Object.entries(select)) {
      const relation = relations.get(name);
      if (!relation || wanted === false) continue;
      checkModel(relation.type, `${path}.${name} counts`);
      const nested: Args = isObject(wanted) ? { ...wanted } : {};
      nested.where = scoped.has(relation.type)
        ? andTenant(relation.type, nested.where)
        : scopeWhere(relation.type, nested.where, `${path}.${name}.where`);
      if (nested.where === undefined) delete nested.where;
      next[name] = nested;
    }
    return { ...(value as Args), select: next };
  }

  /**
   * True when the foreign key between `model` and a related tenant model pairs their tenant
   * columns, on whichever side it is declared: every related row is then in the same tenant.
   */
  function keyKeepsTenant(model: string, relation: RuntimeField): boolean {
    const own = scoped.get(model);
    const theirs = scoped.get(relation.type);
    if (own === undefined || theirs === undefined) return false;
    const pairs = (field: RuntimeField, from: string, to: string) => {
      const index = field.fromFields?.indexOf(from) ?? -1;
      return index >= 0 && field.toFields?.[index] === to;
    };
    if (relation.fromFields && relation.fromFields.length > 0) return pairs(relation, own, theirs);
    const back = datamodel[relation.type]?.fields.find(
      (field) =>
        field !== relation &&
        field.kind === 'object' &&
        field.relationName === relation.relationName &&
        field.type === model,
    );
    return back !== undefined && pairs(back, theirs, own);
  }

  /**
   * Refuses an orderBy whose order could depend on another tenant's rows: a count of related rows
   * of a tenant model, or a to-one relation to one, unless the foreign key pairs the two tenant
   * columns (then every related row is this tenant's). This model's own fields order freely.
   */
  function checkOrderBy(model: string, orderBy: unknown, path: string): void {
    const relations = relationsOf(model);
    for (const entry of asArray(orderBy)) {
      if (!isObject(entry)) continue;
      for (const [name, value] of Object.entries(entry)) {
        const relation = relations.get(name);
        if (!relation) continue;
        const at = `${path}.${name}`;
        checkModel(relation.type, `${at} orders by`);
        const theirs = scoped.get(relation.type);
        if (theirs !== undefined && !keyKeepsTenant(model, relation)) {
          const own = scoped.get(model) ?? 'tenantKey';
          throw new UnsupportedError(
            relation.isList
              ? `${at}: ordering by a count of ${relation.type} rows would count other tenants' rows too, because their foreign key does not include the tenant column. Select _count (withScope filters it) and sort the result, or make the key composite with the tenant column.`
              : `${at}: the relation's foreign key does not include the tenant column, so the ${relation.type} row it orders by may be another tenant's. Make the key composite with the tenant column (@relation(fields: [${own}, …], references: [${theirs}, …])).`,
            { details: { model: relation.type } },
          );
        }
        if (!relation.isList) checkOrderBy(relation.type, value, at);
      }
    }
  }

  /** Fails when a returned row, or one read through a to-one relation, belongs to another tenant. */
  function checkResult(model: string, args: Args, result: unknown, path: string): void {
    const field = scoped.get(model);
    for (const row of asArray(result)) {
      if (
        field !== undefined &&
        isObject(row) &&
        typeof row[field] === 'string' &&
        row[field] !== tenant
      ) {
        throw new ScopeBreachError(
          `${path}: the database returned a ${model} row of another tenant. Nothing was returned.`,
          { details: { model } },
        );
      }
    }
    const selection = isObject(args.select)
      ? args.select
      : isObject(args.include)
        ? args.include
        : undefined;
    if (!selection) return;
    const relations = relationsOf(model);
    for (const row of asArray(result)) {
      if (!isObject(row)) continue;
      for (const [name, value] of Object.entries(selection)) {
        const relation = relations.get(name);
        if (!relation || value === false) continue;
        const nested = isObject(value) ? value : {};
        const related = row[name];
        if (!relation.isList && scoped.has(relation.type) && isObject(related)) {
          const field = scoped.get(relation.type)!;
          if (related[field] !== tenant) {
            throw new ScopeBreachError(
              `${path}.${name}: a related ${relation.type} row belongs to another tenant (the relation does not include the tenant column). Nothing was returned; make the foreign key composite with the tenant column.`,
              { details: { model: relation.type } },
            );
          }
        }
        if (related !== null && related !== undefined) {
          checkResult(relation.type, nested, related, `${path}.${name}`);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Writes

  /** The tenant field of a write's data: absent or this tenant; anything else is refused. */
  function checkTenantValue(model: string, data: Args, path: string): void {
    const field = scoped.get(model)!;
    if (!(field in data)) return;
    const value = data[field];
    const set = isObject(value) && Object.keys(value).length === 1 ? value.set : value;
    if (set !== tenant) {
      throw new ScopeViolationError(
        `${path} sets ${model}.${field} to ${JSON.stringify(set)}, not this scope's tenant: rows never change tenant; leave "${field}" out and withScope sets it.`,
        { details: { model, field } },
      );
    }
  }

  /**
   * True when Prisma fills `model`'s tenant field itself from a relation: the relation the row is
   * created through (`via`, a nested create) or a to-one relation its data connects or creates,
   * whose `@relation(fields:)` include the tenant field. The related row is checked to be in the
   * tenant, so the value Prisma copies is this tenant's; setting it too would be refused by Prisma.
   */
  function tenantFromRelation(model: string, data: Args, via: string | undefined): boolean {
    const field = scoped.get(model)!;
    const setsTenant = (relation: RuntimeField | undefined) =>
      relation?.fromFields?.includes(field) === true;
    const fields = datamodel[model]?.fields ?? [];
    if (via !== undefined && setsTenant(fields.find((f) => f.relationName === via))) return true;
    return fields.some(
      (relation) =>
        relation.kind === 'object' &&
        isObject(data[relation.name]) &&
        setsTenant(relation) &&
        ['connect', 'connectOrCreate', 'create'].some((op) => op in (data[relation.name] as Args)),
    );
  }

  /** A create's data in this tenant; `via`: the relation name it is created through, if nested. */
  function scopeCreateData(model: string, data: unknown, path: string, via?: string): Args {
    if (!isObject(data)) throw new InvalidInputError(`${path} must be an object.`);
    const next: Args = { ...data };
    if (scoped.has(model)) {
      checkTenantValue(model, next, path);
      if (tenantFromRelation(model, next, via)) delete next[scoped.get(model)!];
      else next[scoped.get(model)!] = tenant;
    }
    scopeNestedWrites(model, next, path);
    return next;
  }

  function scopeUpdateData(model: string, data: unknown, path: string): Args {
    if (!isObject(data)) throw new InvalidInputError(`${path} must be an object.`);
    const next: Args = { ...data };
    if (scoped.has(model)) checkTenantValue(model, next, path);
    scopeNestedWrites(model, next, path);
    return next;
  }

  /** Scopes or refuses the nested writes through relation fields of `data` (in place). */
  function scopeNestedWrites(model: string, data: Args, path: string): void {
    const relations = relationsOf(model);
    for (const [name, value] of Object.entries(data)) {
      const relation = relations.get(name);
      if (!relation) continue;
      const target = relation.type;
      const where = `${path}.${name}`;
      checkModel(target, `${where} writes`);
      if (!isObject(value)) throw new InvalidInputError(`${where} must be an object.`);
      const next: Args = {};
      for (const [op, payload] of Object.entries(value)) {
        if (!scoped.has(target)) {
          // A shared model: its own rows are anyone's, but what it nests may be scoped.
          if (
            op === 'create' ||
            op === 'createMany' ||
            op === 'connectOrCreate' ||
            op === 'upsert' ||
            op === 'update'
          ) {
            throw new UnsupportedError(
              `${where}.${op}: nested writes through shared model "${target}" can't be checked; write it with its own call.`,
            );
          }
          next[op] = payload;
          continue;
        }
        if (REFUSED_NESTED.includes(op)) {
          throw new UnsupportedError(
            `${where}.${op}: a nested ${op} of ${target} can't be checked by withScope; call the scoped client's ${target} delegate instead.`,
            { details: { model: target, operation: op } },
          );
        }
        switch (op) {
          case 'create':
            next.create = Array.isArray(payload)
              ? payload.map((item, i) =>
                  scopeCreateData(target, item, `${where}.create[${i}]`, relation.relationName),
                )
              : scopeCreateData(target, payload, `${where}.create`, relation.relationName);
            break;
          case 'createMany': {
            const many = isObject(payload) ? payload : {};
            next.createMany = {
              ...many,
              data: asArray(many.data).map((item, i) =>
                scopeCreateData(
                  target,
                  item,
                  `${where}.createMany.data[${i}]`,
                  relation.relationName,
                ),
              ),
            };
            break;
          }
          case 'connect':
          case 'set':
            connects = true;
            next[op] = Array.isArray(payload)
              ? payload.map((item) => andTenant(target, item))
              : andTenant(target, payload);
            break;
          case 'disconnect':
            next.disconnect =
              payload === true || payload === false
                ? payload
                : Array.isArray(payload)
                  ? payload.map((item) => andTenant(target, item))
                  : andTenant(target, payload);
            break;
          case 'connectOrCreate':
            connects = true;
            next.connectOrCreate = asArray(payload).map((item, i) => {
              if (!isObject(item))
                throw new InvalidInputError(`${where}.connectOrCreate must be an object.`);
              return {
                where: andTenant(target, item.where),
                create: scopeCreateData(
                  target,
                  item.create,
                  `${where}.connectOrCreate[${i}].create`,
                  relation.relationName,
                ),
              };
            });
            if (!Array.isArray(payload))
              next.connectOrCreate = (next.connectOrCreate as unknown[])[0];
            break;
          default:
            throw new UnsupportedError(
              `${where}.${op}: withScope does not know this nested write and refuses it.`,
            );
        }
      }
      data[name] = next;
    }
  }

  /** Rewrites a model operation's arguments so it stays in the tenant. */
  function scopeArgs(model: string, operation: string, input: unknown): Args {
    const args: Args = isObject(input) ? { ...input } : {};
    const path = `${model}.${operation}`;
    if (!scoped.has(model)) {
      // Shared models: no tenant, but their reads and writes may reach scoped ones.
      if (args.orderBy !== undefined) checkOrderBy(model, args.orderBy, `${path}.orderBy`);
      if (args.where !== undefined) args.where = scopeWhere(model, args.where, `${path}.where`);
      if (READS.has(operation) || operation === 'delete' || operation === 'deleteMany') {
        scopeSelection(model, args, path);
      } else if ('data' in args || 'create' in args || 'update' in args) {
        for (const key of ['data', 'create', 'update']) {
          if (isObject(args[key])) scopeNestedWrites(model, args[key] as Args, `${path}.${key}`);
        }
        scopeSelection(model, args, path);
      }
      return args;
    }
    if (args.orderBy !== undefined) checkOrderBy(model, args.orderBy, `${path}.orderBy`);
    if (READS.has(operation) || FILTERED_WRITES.has(operation)) {
      args.where = andTenant(model, args.where);
      if (args.cursor !== undefined)
        args.cursor = { ...(args.cursor as Args), ...tenantWhere(model) };
    }
    if (CREATES.has(operation)) {
      args.data = Array.isArray(args.data)
        ? args.data.map((row, i) => scopeCreateData(model, row, `${path}.data[${i}]`))
        : scopeCreateData(model, args.data, `${path}.data`);
    } else if (
      operation === 'update' ||
      operation === 'updateMany' ||
      operation === 'updateManyAndReturn'
    ) {
      args.data = scopeUpdateData(model, args.data, `${path}.data`);
    } else if (operation === 'upsert') {
      args.where = andTenant(model, args.where);
      args.create = scopeCreateData(model, args.create, `${path}.create`);
      args.update = scopeUpdateData(model, args.update, `${path}.update`);
    } else if (!READS.has(operation) && !FILTERED_WRITES.has(operation)) {
      throw new UnsupportedError(`${path}: withScope does not know this operation and refuses it.`);
    }
    if (operation !== 'count' && operation !== 'aggregate' && operation !== 'groupBy') {
      scopeSelection(model, args, path);
    }
    return args;
  }

  const extended = (prisma as unknown as { $extends(extension: object): unknown }).$extends({
    name: '@scoped-rag/prisma withScope',
    query: {
      async $allOperations({
        model,
        operation,
        args,
        query,
      }: {
        model?: string;
        operation: string;
        args: unknown;
        query: (args: unknown) => Promise<unknown>;
      }) {
        if (model === undefined) {
          throw new UnsupportedError(
            `${operation} through a scoped client would bypass the tenant scope: run raw SQL on the unscoped client, inside a transaction that sets the row-level-security settings.`,
            { details: { operation } },
          );
        }
        checkModel(model, `${model}.${operation} uses`);
        connects = false;
        const scopedArgs = scopeArgs(model, operation, args);
        const connected = connects;
        let result: unknown;
        try {
          result = await query(scopedArgs);
        } catch (error) {
          // A connect/set whose target is not a row of this tenant finds no record.
          const code = (error as { code?: unknown })?.code;
          if (connected && (code === 'P2025' || code === 'P2018')) {
            throw new ScopeViolationError(
              `${model}.${operation}: a record it connects is not a row of this tenant (or does not exist).`,
              { cause: error, details: { model, operation } },
            );
          }
          throw error;
        }
        checkResult(model, scopedArgs, result, `${model}.${operation}`);
        return result;
      },
    },
  });
  return extended as C;
}
