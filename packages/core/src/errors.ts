// Typed errors for every failure scoped-rag reports. One base class, stable codes, and an
// `isInstance` that works across duplicated copies of the package (a `Symbol.for` marker).

const MARKER = Symbol.for('@scoped-rag/core.error');

/** Stable machine-readable codes. Never renamed once released. */
export type ErrorCode =
  | 'UNSCOPED_QUERY'
  | 'SCOPE_VIOLATION'
  | 'SCOPE_BREACH'
  | 'INVALID_FILTER'
  | 'INVALID_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'BACKEND_UNAVAILABLE'
  | 'UNSUPPORTED';

export interface ScopedRagErrorOptions {
  cause?: unknown;
  /** Structured facts about the failure (offending path, limit, count). Safe to log. */
  details?: Readonly<Record<string, unknown>>;
}

export class ScopedRagError extends Error {
  readonly [MARKER] = true;
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ScopedRagErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScopedRagError';
    this.code = code;
    this.details = Object.freeze({ ...options.details });
  }

  /** True for any scoped-rag error, even one thrown by another copy of this package. */
  static isInstance(error: unknown): error is ScopedRagError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[MARKER] === true
    );
  }

  /** True when `error` is a scoped-rag error with this code. */
  static hasCode<C extends ErrorCode>(
    error: unknown,
    code: C,
  ): error is ScopedRagError & { readonly code: C } {
    return ScopedRagError.isInstance(error) && error.code === code;
  }

  toJSON(): { name: string; code: ErrorCode; message: string; details: Record<string, unknown> } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      details: { ...this.details },
    };
  }
}

function defineError<C extends ErrorCode>(code: C, name: string) {
  const ErrorClass = class extends ScopedRagError {
    declare readonly code: C;
    constructor(message: string, options?: ScopedRagErrorOptions) {
      super(code, message, options);
      this.name = name;
    }
    static override isInstance(error: unknown): error is ScopedRagError & { readonly code: C } {
      return ScopedRagError.hasCode(error, code);
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: name });
  return ErrorClass;
}

/** An operation was attempted without a Scope made by a ScopePolicy. A programming error. */
export const UnscopedQueryError = defineError('UNSCOPED_QUERY', 'UnscopedQueryError');
export type UnscopedQueryError = InstanceType<typeof UnscopedQueryError>;

/** The caller tried to reach outside its scope: a reserved key, another owner's record, a write it may not make. */
export const ScopeViolationError = defineError('SCOPE_VIOLATION', 'ScopeViolationError');
export type ScopeViolationError = InstanceType<typeof ScopeViolationError>;

/** The backend returned a record outside the scope. Nothing was returned to the caller. */
export const ScopeBreachError = defineError('SCOPE_BREACH', 'ScopeBreachError');
export type ScopeBreachError = InstanceType<typeof ScopeBreachError>;

/** A metadata filter is malformed or exceeds a limit. */
export const InvalidFilterError = defineError('INVALID_FILTER', 'InvalidFilterError');
export type InvalidFilterError = InstanceType<typeof InvalidFilterError>;

/** Input other than a filter is malformed or exceeds a limit. Nothing was written. */
export const InvalidInputError = defineError('INVALID_INPUT', 'InvalidInputError');
export type InvalidInputError = InstanceType<typeof InvalidInputError>;

/** The credential is missing, malformed, forged or expired. */
export const UnauthenticatedError = defineError('UNAUTHENTICATED', 'UnauthenticatedError');
export type UnauthenticatedError = InstanceType<typeof UnauthenticatedError>;

/** The identity is known but the policy does not allow this operation. */
export const ForbiddenError = defineError('FORBIDDEN', 'ForbiddenError');
export type ForbiddenError = InstanceType<typeof ForbiddenError>;

/** A backend (vector store, database) failed or could not be reached. */
export const BackendUnavailableError = defineError(
  'BACKEND_UNAVAILABLE',
  'BackendUnavailableError',
);
export type BackendUnavailableError = InstanceType<typeof BackendUnavailableError>;

/** The addressed document, thread or record does not exist in the caller's scope. */
export const NotFoundError = defineError('NOT_FOUND', 'NotFoundError');
export type NotFoundError = InstanceType<typeof NotFoundError>;

/**
 * A concurrent change won: the row's revision is not the one the caller read (compare-and-set
 * failed), or the row already exists. Re-read and retry.
 */
export const ConflictError = defineError('CONFLICT', 'ConflictError');
export type ConflictError = InstanceType<typeof ConflictError>;

/** The backend or adapter does not support the requested operation. */
export const UnsupportedError = defineError('UNSUPPORTED', 'UnsupportedError');
export type UnsupportedError = InstanceType<typeof UnsupportedError>;

const HTTP_STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SCOPE_VIOLATION: 403,
  INVALID_FILTER: 400,
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  BACKEND_UNAVAILABLE: 503,
  UNSUPPORTED: 501,
  // Both are server-side faults: the app forgot to scope, or a backend misbehaved.
  UNSCOPED_QUERY: 500,
  SCOPE_BREACH: 500,
};

/**
 * The HTTP status a server should answer with for `error`: 401, 403, 400, 404, 503, 501, or 500
 * for anything that is not a client's fault (including errors that are not scoped-rag errors).
 */
export function toHttpStatus(error: unknown): number {
  return ScopedRagError.isInstance(error) ? (HTTP_STATUS[error.code] ?? 500) : 500;
}
