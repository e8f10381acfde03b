import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  ForbiddenError,
  InvalidFilterError,
  InvalidInputError,
  ScopeBreachError,
  ScopedRagError,
  ScopeViolationError,
  toHttpStatus,
  UnauthenticatedError,
  UnscopedQueryError,
} from './errors.js';

describe('ScopedRagError', () => {
  it('carries a stable code, a message, details and the cause', () => {
    const cause = new Error('socket hang up');
    const error = new BackendUnavailableError('Pinecone is down', {
      cause,
      details: { attempt: 3 },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ScopedRagError);
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.name).toBe('BackendUnavailableError');
    expect(error.message).toBe('Pinecone is down');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ attempt: 3 });
    expect(Object.isFrozen(error.details)).toBe(true);
    expect(error.toJSON()).toEqual({
      name: 'BackendUnavailableError',
      code: 'BACKEND_UNAVAILABLE',
      message: 'Pinecone is down',
      details: { attempt: 3 },
    });
  });

  it('recognises errors from another copy of the package by the Symbol.for marker', () => {
    const foreign = Object.assign(new Error('from a duplicated bundle'), {
      [Symbol.for('@scoped-rag/core.error')]: true,
      code: 'SCOPE_VIOLATION',
    });
    expect(ScopedRagError.isInstance(foreign)).toBe(true);
    expect(ScopeViolationError.isInstance(foreign)).toBe(true);
    expect(UnscopedQueryError.isInstance(foreign)).toBe(false);
  });

  it('does not recognise look-alikes without the marker', () => {
    const lookAlike = Object.assign(new Error('x'), { code: 'SCOPE_VIOLATION' });
    expect(ScopedRagError.isInstance(lookAlike)).toBe(false);
    expect(ScopedRagError.isInstance(null)).toBe(false);
    expect(ScopedRagError.isInstance('SCOPE_VIOLATION')).toBe(false);
  });

  it('subclass isInstance checks the code', () => {
    const error = new InvalidFilterError('bad');
    expect(InvalidFilterError.isInstance(error)).toBe(true);
    expect(InvalidInputError.isInstance(error)).toBe(false);
    expect(ScopedRagError.hasCode(error, 'INVALID_FILTER')).toBe(true);
  });
});

describe('toHttpStatus', () => {
  it.each([
    [new UnauthenticatedError('x'), 401],
    [new ForbiddenError('x'), 403],
    [new ScopeViolationError('x'), 403],
    [new InvalidFilterError('x'), 400],
    [new InvalidInputError('x'), 400],
    [new BackendUnavailableError('x'), 503],
    [new UnscopedQueryError('x'), 500],
    [new ScopeBreachError('x'), 500],
    [new Error('x'), 500],
    ['a string', 500],
  ])('maps %s to %i', (error, status) => {
    expect(toHttpStatus(error)).toBe(status);
  });
});
