// A reference model of what each tenant must see, independent of any adapter: the cross-tenant
// attack suite runs operations against a real ScopedVectorStore and this model side by side.
import {
  compileFilter,
  type Filter,
  type FilterExpression,
  filterFields,
  type Identity,
  type Metadata,
  parseFilter,
  parseMetadata,
  type ScopePolicy,
  type Tenant,
  tenantKey,
  type Visibility,
} from '@scoped-rag/core';

export interface ModelRecord {
  readonly owner: string;
  readonly visibility: Visibility;
  readonly metadata: Metadata;
  readonly values: readonly number[];
}

/** The permission the suite's policy requires for org-visible writes. */
export const WRITE_PERMISSION = 'org:docs:write';
export const ERASE_ROLE = 'org:admin';

export type ErrorCodeSet = ReadonlySet<string>;

export class TenantModel {
  readonly tenants = new Map<string, Map<string, ModelRecord>>();
  /** Tenants and users erased by lifecycle operations: their writes are refused for a while. */
  readonly erasedTenants = new Set<string>();
  readonly erasedUsers = new Set<string>();

  constructor(readonly policy: ScopePolicy) {}

  tenantOf(actor: Identity): { tenant: Tenant; key: string; isPersonal: boolean } {
    const tenant: Tenant =
      actor.orgId === null ? { kind: 'user', id: actor.userId } : { kind: 'org', id: actor.orgId };
    return { tenant, key: tenantKey(tenant), isPersonal: actor.orgId === null };
  }

  records(actor: Identity): Map<string, ModelRecord> {
    const { key } = this.tenantOf(actor);
    let records = this.tenants.get(key);
    if (!records) {
      records = new Map();
      this.tenants.set(key, records);
    }
    return records;
  }

  canWriteShared(actor: Identity): boolean {
    return actor.orgPermissions.includes(WRITE_PERMISSION);
  }

  visible(actor: Identity, record: ModelRecord): boolean {
    return record.visibility === 'org' || record.owner === actor.userId;
  }

  modifiable(actor: Identity, record: ModelRecord): boolean {
    return (
      record.owner === actor.userId || (record.visibility === 'org' && this.canWriteShared(actor))
    );
  }

  /** Visible records of the actor's tenant, by id. */
  visibleRecords(actor: Identity): [string, ModelRecord][] {
    return [...this.records(actor)].filter(([, record]) => this.visible(actor, record));
  }

  /** Parses a caller's filter the way the store must: INVALID_FILTER, then SCOPE_VIOLATION. */
  filterOutcome(filter: unknown): { expression: FilterExpression } | { error: string } {
    let expression: FilterExpression;
    try {
      expression = parseFilter(filter);
    } catch {
      return { error: 'INVALID_FILTER' };
    }
    for (const field of filterFields(expression)) {
      if (this.policy.isReservedKey(field)) return { error: 'SCOPE_VIOLATION' };
    }
    return { expression };
  }

  matching(actor: Identity, expression: FilterExpression): [string, ModelRecord][] {
    const test = compileFilter(expression);
    return this.visibleRecords(actor).filter(([, record]) => test(record.metadata));
  }

  /** Every error code one of these upsert records can legitimately cause; empty when all are valid. */
  upsertErrors(
    actor: Identity,
    records: readonly { id: string; metadata?: unknown; visibility?: Visibility | undefined }[],
    maxMetadataBytes: number,
  ): Set<string> {
    const codes = new Set<string>();
    const { isPersonal } = this.tenantOf(actor);
    const seen = new Set<string>();
    for (const record of records) {
      if (seen.has(record.id)) codes.add('INVALID_INPUT');
      seen.add(record.id);
      try {
        const metadata = parseMetadata(record.metadata, 'record', maxMetadataBytes);
        if (Object.keys(metadata).some((key) => this.policy.isReservedKey(key)))
          codes.add('SCOPE_VIOLATION');
      } catch {
        codes.add('INVALID_INPUT');
      }
      const visibility = record.visibility ?? (isPersonal ? 'private' : 'org');
      if (visibility === 'org' && isPersonal) codes.add('SCOPE_VIOLATION');
      else if (visibility === 'org' && !this.canWriteShared(actor)) codes.add('FORBIDDEN');
    }
    return codes;
  }
}

export function filterLabel(filter: unknown): string {
  try {
    const text = JSON.stringify(filter as Filter);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(filter);
  }
}
