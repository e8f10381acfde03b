// The development identities of the page's switcher, and the local issuer that signs their Clerk
// session tokens. The real @clerk/backend verifies these tokens exactly as it verifies Clerk's.
import { InvalidInputError } from '@scoped-rag/core';
import { type ClerkTestIssuer, createClerkTestIssuer } from '@scoped-rag/testing/clerk';

export interface DevIdentity {
  /** What the page sends to ask for a session token. */
  readonly key: string;
  readonly label: string;
  readonly userId: string;
  readonly userName: string;
  readonly orgId: string | null;
  readonly orgName: string | null;
  readonly orgRole: 'org:admin' | 'org:member' | null;
}

/**
 * Two users, two organizations, and each user's personal workspace. Alice administers Acme; Bob
 * administers Globex and is a plain member of Acme, so he sees Acme's shared documents but not
 * Alice's private ones, and may not erase Acme.
 */
export const DEV_IDENTITIES: readonly DevIdentity[] = Object.freeze([
  {
    key: 'alice-acme',
    label: 'Alice · Acme (admin)',
    userId: 'user_alice',
    userName: 'Alice',
    orgId: 'org_acme',
    orgName: 'Acme',
    orgRole: 'org:admin',
  },
  {
    key: 'alice-personal',
    label: 'Alice · personal workspace',
    userId: 'user_alice',
    userName: 'Alice',
    orgId: null,
    orgName: null,
    orgRole: null,
  },
  {
    key: 'bob-globex',
    label: 'Bob · Globex (admin)',
    userId: 'user_bob',
    userName: 'Bob',
    orgId: 'org_globex',
    orgName: 'Globex',
    orgRole: 'org:admin',
  },
  {
    key: 'bob-acme',
    label: 'Bob · Acme (member)',
    userId: 'user_bob',
    userName: 'Bob',
    orgId: 'org_acme',
    orgName: 'Acme',
    orgRole: 'org:member',
  },
  {
    key: 'bob-personal',
    label: 'Bob · personal workspace',
    userId: 'user_bob',
    userName: 'Bob',
    orgId: null,
    orgName: null,
    orgRole: null,
  },
]);

/** Like Clerk's: session tokens live a minute and the client fetches a fresh one when needed. */
export const DEV_TOKEN_SECONDS = 60;

export interface DevSession {
  readonly token: string;
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly identity: DevIdentity;
}

export interface DevSessions {
  readonly identities: readonly DevIdentity[];
  /** PEM public key, issuer and the origins tokens are minted for: what the verifier is given. */
  readonly jwtKey: string;
  readonly issuer: string;
  readonly authorizedParties: readonly string[];
  /** Signs a session token for one of `identities`, for the page at `origin`. */
  mint(key: string, origin: string): Promise<DevSession>;
}

/** A fresh signing key per process: tokens from an earlier run are refused. */
export async function createDevSessions(origins: readonly string[]): Promise<DevSessions> {
  const [first] = origins;
  if (first === undefined) throw new InvalidInputError('createDevSessions needs an origin.');
  const issuer: ClerkTestIssuer = await createClerkTestIssuer({
    frontendApi: 'clerk.scoped-rag.localhost',
    authorizedParty: first,
  });
  return Object.freeze({
    identities: DEV_IDENTITIES,
    jwtKey: issuer.jwtKey,
    issuer: issuer.issuer,
    authorizedParties: Object.freeze([...origins]),
    async mint(key: string, origin: string): Promise<DevSession> {
      const identity = DEV_IDENTITIES.find((candidate) => candidate.key === key);
      if (!identity) {
        throw new InvalidInputError(
          `Unknown development identity "${key}"; pick one of ${DEV_IDENTITIES.map((i) => i.key).join(', ')}.`,
        );
      }
      if (!origins.includes(origin)) {
        throw new InvalidInputError(
          `Development sessions are minted for ${origins.join(' or ')}; open the demo there (this page is at ${origin}).`,
        );
      }
      const issuedAt = Math.floor(Date.now() / 1000);
      const token = await issuer.sessionToken({
        userId: identity.userId,
        orgId: identity.orgId,
        orgRole: identity.orgRole,
        issuedAt,
        expiresInSeconds: DEV_TOKEN_SECONDS,
        claims: { azp: origin },
      });
      return { token, expiresAt: issuedAt + DEV_TOKEN_SECONDS, identity };
    },
  });
}
