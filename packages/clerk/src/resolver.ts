// createClerkIdentityResolver: a core IdentityResolver over @clerk/backend. The tenant comes only
// from the verified session token; nothing else in the request is read.
import { verifyToken } from '@clerk/backend';
import {
  BackendUnavailableError,
  createIdentity,
  type Identity,
  type IdentityInput,
  type IdentityResolver,
  InvalidInputError,
  UnauthenticatedError,
} from '@scoped-rag/core';
import { type ClerkClaims, identityFromClerkClaims } from './claims.js';

/**
 * The auth object of `auth()` (`@clerk/nextjs/server`) or `getAuth(req)` (`@clerk/express`): the
 * middleware has verified the token already, so it is not verified twice. Only pass objects your
 * server-side Clerk middleware produced, never anything built from a request.
 */
export interface ClerkAuthObject {
  readonly userId: string | null;
  readonly sessionClaims: ClerkClaims | null;
  readonly [key: string]: unknown;
}

/** A Fetch API request (Authorization bearer or `__session` cookie), a raw token, or an auth object. */
export type ClerkCredential = Request | string | ClerkAuthObject;

export interface ClerkIdentityResolverOptions {
  /**
   * The instance's PEM public key (`CLERK_JWT_KEY`): verification with no network call. The fast
   * path; recommended.
   */
  jwtKey?: string;
  /** `CLERK_SECRET_KEY`: without `jwtKey`, the JWKS is fetched from Clerk and cached by @clerk/backend. */
  secretKey?: string;
  /**
   * Origins allowed in the token's `azp`, e.g. `['https://app.example.com']`. Required in
   * production: it refuses tokens minted for another site of the same Clerk instance.
   */
  authorizedParties?: readonly string[];
  /**
   * Expected `iss`: your Frontend API URL, e.g. `https://clerk.example.com`. Required in
   * production: @clerk/backend does not check `iss` unless told to.
   */
  issuer?: string | readonly string[];
  /** Allowed clock skew. Default 5 seconds (Clerk's default). */
  clockSkewInMs?: number;
  /**
   * Maps verified claims to an identity, for JWT templates with other claim names (e.g. an
   * `org_id` claim in a custom template). Default: Clerk's session claims, v1 and v2.
   */
  mapClaims?: (claims: ClerkClaims) => IdentityInput;
  /** Accept sessions with pending tasks (v2 `sts: "pending"`). Default false, like Clerk's `auth()`. */
  acceptPendingSessions?: boolean;
  /** Longest token accepted, in characters. Default 16,384. */
  maxTokenLength?: number;
  /**
   * Remembers verified tokens until they expire, so a client reusing its session token (Clerk
   * refreshes them about once a minute) is verified once, not on every request. Only successful
   * verifications are kept, keyed by the whole token; `exp` and `nbf` are checked again on every
   * hit. Default `{ maxEntries: 1000 }`; `false` verifies every time.
   */
  cache?: { maxEntries?: number } | false;
}

const SESSION_COOKIE = '__session';

function tokenFromRequest(request: Request): string | null {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1]! : '';
  }
  const cookies = request.headers.get('cookie');
  if (cookies === null) return null;
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

function isAuthObject(input: unknown): input is ClerkAuthObject {
  return (
    typeof input === 'object' &&
    input !== null &&
    !(input instanceof Request) &&
    'sessionClaims' in input
  );
}

// Reasons of @clerk/backend's TokenVerificationError that are the server's problem, not the caller's.
const SERVER_SIDE_REASONS = new Set([
  'jwk-remote-failed-to-load',
  'jwk-failed-to-resolve',
  'secret-key-invalid',
]);

export function createClerkIdentityResolver(
  options: ClerkIdentityResolverOptions,
): IdentityResolver<ClerkCredential> {
  if (!options.jwtKey && !options.secretKey) {
    throw new InvalidInputError(
      'createClerkIdentityResolver needs jwtKey (CLERK_JWT_KEY, networkless and fastest) or secretKey (CLERK_SECRET_KEY).',
    );
  }
  const maxTokenLength = options.maxTokenLength ?? 16_384;
  const mapClaims = options.mapClaims ?? identityFromClerkClaims;
  const verifyOptions = {
    ...(options.jwtKey ? { jwtKey: options.jwtKey } : {}),
    ...(options.secretKey ? { secretKey: options.secretKey } : {}),
    ...(options.authorizedParties ? { authorizedParties: [...options.authorizedParties] } : {}),
    ...(options.issuer
      ? { issuer: typeof options.issuer === 'string' ? options.issuer : [...options.issuer] }
      : {}),
    ...(options.clockSkewInMs !== undefined ? { clockSkewInMs: options.clockSkewInMs } : {}),
  };

  function toIdentity(claims: ClerkClaims): Identity {
    if (claims.v === 2 && claims.sts === 'pending' && !options.acceptPendingSessions) {
      throw new UnauthenticatedError(
        'The session has pending tasks (sts: "pending") and is treated as signed out; finish the tasks or set acceptPendingSessions.',
        { details: { reason: 'session-pending' } },
      );
    }
    let input: IdentityInput;
    try {
      input = mapClaims(claims);
    } catch (error) {
      if (UnauthenticatedError.isInstance(error)) throw error;
      throw new UnauthenticatedError(
        `The session claims could not be mapped to an identity: ${(error as Error).message}`,
        {
          cause: error,
          details: { reason: 'claims-unmapped' },
        },
      );
    }
    try {
      return createIdentity(input);
    } catch (error) {
      throw new UnauthenticatedError(
        `The session claims do not form a valid identity: ${(error as Error).message}`,
        {
          cause: error,
          details: { reason: 'claims-invalid' },
        },
      );
    }
  }

  const cacheLimit = options.cache === false ? 0 : (options.cache?.maxEntries ?? 1_000);
  const skewMs = options.clockSkewInMs ?? 5_000;
  // token → identity with its validity window (ms). Map order doubles as LRU order.
  const verified = new Map<string, { identity: Identity; notBefore: number; expires: number }>();

  function cached(token: string): Identity | null {
    const hit = verified.get(token);
    if (!hit) return null;
    const now = Date.now();
    verified.delete(token);
    if (now >= hit.expires + skewMs || now < hit.notBefore - skewMs) return null;
    verified.set(token, hit);
    return hit.identity;
  }

  function remember(token: string, claims: ClerkClaims, identity: Identity): void {
    if (cacheLimit === 0 || typeof claims.exp !== 'number') return;
    const notBefore = typeof claims.nbf === 'number' ? claims.nbf * 1000 : 0;
    verified.set(token, { identity, notBefore, expires: claims.exp * 1000 });
    if (verified.size > cacheLimit) verified.delete(verified.keys().next().value!);
  }

  async function verify(token: string): Promise<Identity> {
    if (token.length === 0) {
      throw new UnauthenticatedError(
        'The credential is empty: send Authorization: Bearer <session token>.',
        {
          details: { reason: 'token-missing' },
        },
      );
    }
    if (token.length > maxTokenLength) {
      throw new UnauthenticatedError(
        `The session token is longer than ${maxTokenLength} characters.`,
        {
          details: { reason: 'token-oversized' },
        },
      );
    }
    const hit = cached(token);
    if (hit) return hit;
    let claims: ClerkClaims;
    try {
      claims = (await verifyToken(token, verifyOptions)) as ClerkClaims;
    } catch (error) {
      const reason = (error as { reason?: unknown })?.reason;
      const why = typeof reason === 'string' ? reason : 'token-invalid';
      // On the JWKS path, an error that is not a TokenVerificationError (no reason) is the network
      // failing, and some reasons name a server-side problem: neither is the caller's fault.
      const serverSide = typeof reason !== 'string' || SERVER_SIDE_REASONS.has(why);
      if (serverSide && options.secretKey && !options.jwtKey) {
        throw new BackendUnavailableError(
          `Clerk's signing keys could not be loaded (${why}); set jwtKey (CLERK_JWT_KEY) to verify without the network.`,
          { cause: error, details: { reason: why } },
        );
      }
      throw new UnauthenticatedError(
        `The session token was refused by Clerk's verifier (${why}): ${(error as Error)?.message ?? String(error)}`,
        {
          cause: error,
          details: { reason: why },
        },
      );
    }
    const identity = toIdentity(claims);
    remember(token, claims, identity);
    return identity;
  }

  return Object.freeze({
    specificationVersion: 'v1' as const,
    provider: 'clerk',
    async resolve(input: ClerkCredential): Promise<Identity> {
      if (typeof input === 'string') return verify(input.trim());
      if (input instanceof Request) {
        const token = tokenFromRequest(input);
        if (token === null) {
          throw new UnauthenticatedError(
            'The request carries no Clerk session: send Authorization: Bearer <session token> or the __session cookie.',
            { details: { reason: 'token-missing' } },
          );
        }
        return verify(token);
      }
      if (isAuthObject(input)) {
        const claims = input.sessionClaims;
        if (input.userId === null || claims === null || typeof claims !== 'object') {
          throw new UnauthenticatedError('The Clerk auth object is signed out.', {
            details: { reason: 'signed-out' },
          });
        }
        if (claims.sub !== input.userId) {
          throw new UnauthenticatedError(
            'The Clerk auth object is inconsistent: userId differs from the session claims.',
            {
              details: { reason: 'auth-object-inconsistent' },
            },
          );
        }
        return toIdentity(claims);
      }
      throw new UnauthenticatedError(
        'Unsupported credential: pass a Request, a session token string, or the auth object of auth() / getAuth().',
        { details: { reason: 'credential-unsupported' } },
      );
    },
  });
}
