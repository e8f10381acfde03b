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
const CLIENT_UAT_COOKIE = '__client_uat';
// JWT categories and machine-token markers, as @clerk/backend's authenticateRequest checks them.
const SESSION_CATEGORIES = new Set(['cl_B7d4PD111AAA', 'cl_I7d4PD111III']);
const OAUTH_ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);
const MACHINE_SUBJECT_PREFIX = 'mch_';

interface Credential {
  readonly token: string;
  /** From the `__client_uat` cookie (seconds) when the token came from the `__session` cookie. */
  readonly clientUat?: number;
}

function cookie(cookies: string, name: string): string | undefined {
  for (const part of cookies.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function credentialFromRequest(request: Request): Credential | null {
  const authorization = request.headers.get('authorization');
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return { token: match ? match[1]! : '' };
  }
  const cookies = request.headers.get('cookie');
  const token = cookies === null ? undefined : cookie(cookies, SESSION_COOKIE);
  if (token === undefined) return null;
  // Like Clerk's own middleware: a session cookie counts only beside a client "updated at"
  // cookie that is set (not 0, i.e. signed out) and no newer than the token.
  const uat = Number(cookie(cookies!, CLIENT_UAT_COOKIE) ?? '0');
  return { token, clientUat: Number.isFinite(uat) ? uat : 0 };
}

function decodePart(part: string | undefined): Record<string, unknown> | null {
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

// Refuses what Clerk's authenticateRequest refuses before verification: machine (M2M, OAuth)
// tokens and non-session JWT categories. verifyToken alone would accept some of them.
function assertSessionToken(token: string): void {
  const [headerPart, payloadPart] = token.split('.');
  const header = decodePart(headerPart);
  const payload = decodePart(payloadPart);
  if (!header || !payload) return; // malformed: verifyToken reports it with Clerk's reason
  const isMachine =
    OAUTH_ACCESS_TOKEN_TYPES.has(String(header.typ)) ||
    (typeof payload.sub === 'string' && payload.sub.startsWith(MACHINE_SUBJECT_PREFIX));
  const category = header.cat;
  if (isMachine || (category !== undefined && !SESSION_CATEGORIES.has(String(category)))) {
    throw new UnauthenticatedError(
      'The token is not a Clerk session token (machine token or another JWT category).',
      {
        details: { reason: 'token-type-mismatch' },
      },
    );
  }
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
  if (
    options.jwtKey !== undefined &&
    !/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(options.jwtKey)
  ) {
    throw new InvalidInputError(
      'jwtKey must be the PEM public key from the Clerk Dashboard (-----BEGIN PUBLIC KEY----- …); check CLERK_JWT_KEY, including its line breaks.',
    );
  }
  if (
    options.clockSkewInMs !== undefined &&
    !(Number.isFinite(options.clockSkewInMs) && options.clockSkewInMs >= 0)
  ) {
    throw new InvalidInputError(
      `clockSkewInMs must be a finite number of milliseconds ≥ 0, got ${String(options.clockSkewInMs)}.`,
    );
  }
  if (
    options.maxTokenLength !== undefined &&
    !(Number.isInteger(options.maxTokenLength) && options.maxTokenLength > 0)
  ) {
    throw new InvalidInputError(
      `maxTokenLength must be a positive integer, got ${String(options.maxTokenLength)}.`,
    );
  }
  if (
    options.issuer !== undefined &&
    (typeof options.issuer === 'string'
      ? options.issuer.trim() === ''
      : !Array.isArray(options.issuer) ||
        options.issuer.length === 0 ||
        options.issuer.some((issuer) => typeof issuer !== 'string' || issuer.trim() === ''))
  ) {
    throw new InvalidInputError(
      'issuer must be your Frontend API URL (https://…), or a non-empty list of them: an empty one would check nothing. Leave it out only in development.',
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
    if (claims.sts === 'pending' && !options.acceptPendingSessions) {
      throw new UnauthenticatedError(
        'The session has pending tasks (sts: "pending") and is treated as signed out, as Clerk does; finish the tasks or set acceptPendingSessions.',
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

  const issuers =
    options.issuer === undefined
      ? null
      : typeof options.issuer === 'string'
        ? [options.issuer]
        : [...options.issuer];

  // Clerk's middleware verified the auth object's token with the options it was given, and it
  // does not check `iss` at all: the claims this resolver was told to require are checked here.
  function checkAuthObjectClaims(claims: ClerkClaims): void {
    if (issuers !== null && !issuers.includes(String(claims.iss))) {
      throw new UnauthenticatedError(
        `The session token's issuer ${JSON.stringify(claims.iss)} is not ${issuers.join(' or ')}: it was issued by another Clerk instance.`,
        { details: { reason: 'token-invalid-issuer' } },
      );
    }
    // As @clerk/backend does: with authorized parties set, a token without `azp` is refused too.
    if (
      options.authorizedParties &&
      options.authorizedParties.length > 0 &&
      (typeof claims.azp !== 'string' || !options.authorizedParties.includes(claims.azp))
    ) {
      throw new UnauthenticatedError(
        `The session token was minted for ${JSON.stringify(claims.azp)}, which is not one of the authorized parties.`,
        { details: { reason: 'token-invalid-authorized-parties' } },
      );
    }
  }

  const cacheLimit = options.cache === false ? 0 : (options.cache?.maxEntries ?? 1_000);
  const skewMs = options.clockSkewInMs ?? 5_000;

  function checkClientUat(claims: ClerkClaims, clientUat: number | undefined): void {
    if (clientUat === undefined) return;
    if (clientUat <= 0) {
      throw new UnauthenticatedError(
        'The __session cookie has no __client_uat beside it: the client is signed out.',
        {
          details: { reason: 'session-token-but-no-client-uat' },
        },
      );
    }
    if (typeof claims.iat === 'number' && claims.iat < clientUat) {
      throw new UnauthenticatedError(
        "The __session cookie is older than the client's last sign-in change (__client_uat): it is stale.",
        { details: { reason: 'session-token-iat-before-client-uat' } },
      );
    }
  }
  // token → identity with its validity window (ms). Map order doubles as LRU order.
  const verified = new Map<
    string,
    { identity: Identity; claims: ClerkClaims; notBefore: number; expires: number }
  >();

  function cached(token: string) {
    const hit = verified.get(token);
    if (!hit) return null;
    const now = Date.now();
    verified.delete(token);
    if (now >= hit.expires + skewMs || now < hit.notBefore - skewMs) return null;
    verified.set(token, hit);
    return hit;
  }

  function remember(token: string, claims: ClerkClaims, identity: Identity): void {
    if (cacheLimit === 0 || typeof claims.exp !== 'number') return;
    const notBefore = typeof claims.nbf === 'number' ? claims.nbf * 1000 : 0;
    verified.set(token, { identity, claims, notBefore, expires: claims.exp * 1000 });
    if (verified.size > cacheLimit) verified.delete(verified.keys().next().value!);
  }

  async function verify(token: string, clientUat?: number): Promise<Identity> {
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
    assertSessionToken(token);
    const hit = cached(token);
    if (hit) {
      checkClientUat(hit.claims, clientUat);
      return hit.identity;
    }
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
    checkClientUat(claims, clientUat);
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
        const credential = credentialFromRequest(input);
        if (credential === null) {
          throw new UnauthenticatedError(
            'The request carries no Clerk session: send Authorization: Bearer <session token> or the __session cookie.',
            { details: { reason: 'token-missing' } },
          );
        }
        return verify(credential.token, credential.clientUat);
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
        checkAuthObjectClaims(claims);
        return toIdentity(claims);
      }
      throw new UnauthenticatedError(
        'Unsupported credential: pass a Request, a session token string, or the auth object of auth() / getAuth().',
        { details: { reason: 'credential-unsupported' } },
      );
    },
  });
}
