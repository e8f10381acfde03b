// A local issuer of Clerk-shaped credentials: RS256 session tokens (claims v1 and v2) and
// Svix-signed webhooks, so the real @clerk/backend verifies them with no network.

export interface ClerkTestIssuerOptions {
  /** Frontend API host; the issuer is `https://<host>`. Default `clerk.scoped-rag.test`. */
  frontendApi?: string;
  /** The app's origin, put in `azp`. Default `http://localhost:3000`. */
  authorizedParty?: string;
}

export interface TestSessionClaims {
  userId: string;
  orgId?: string | null;
  /** With or without the `org:` prefix. */
  orgRole?: string | null;
  /** `org:<feature>:<permission>` names (v2 tokens can only carry this form). */
  orgPermissions?: readonly string[];
  orgSlug?: string;
  sessionId?: string;
  /** Session claims version. Default 2. */
  version?: 1 | 2;
  /** Default 60 seconds from `issuedAt`. */
  expiresInSeconds?: number;
  /** Unix seconds. Default now. */
  issuedAt?: number;
  /** Unix seconds. Default `issuedAt`. */
  notBefore?: number;
  /** Overrides: `azp`, `iss`, or any claim (`undefined` removes one). */
  claims?: Record<string, unknown>;
  /** v2 session status, e.g. `pending`. */
  status?: string;
}

export interface SignedWebhook {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ClerkTestIssuer {
  /** PEM public key: pass as `jwtKey`. */
  readonly jwtKey: string;
  readonly issuer: string;
  readonly authorizedParty: string;
  /** A publishable key pointing at `frontendApi`, for `authenticateRequest`. */
  readonly publishableKey: string;
  readonly kid: string;
  /** `whsec_…`: pass as the webhook signing secret. */
  readonly webhookSecret: string;
  /** A signed session token with these claims. */
  sessionToken(claims: TestSessionClaims): Promise<string>;
  /** Signs an arbitrary header and payload with this issuer's key (for attack tests). */
  signJwt(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string>;
  /** A Svix-signed webhook delivery of `payload` (the Clerk event JSON). */
  signWebhook(
    payload: unknown,
    options?: { id?: string; timestamp?: number; secret?: string },
  ): Promise<SignedWebhook>;
}

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
const base64url = (bytes: Uint8Array) =>
  base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const encodeJson = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)));

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function randomId(prefix: string): string {
  return prefix + base64url(crypto.getRandomValues(new Uint8Array(12)));
}

/** Encodes `org:<feature>:<permission>` names the way v2 session claims do (`fea`, `o.per`, `o.fpm`). */
export function encodeV2Permissions(permissions: readonly string[]): {
  fea?: string;
  per?: string;
  fpm?: string;
} {
  if (permissions.length === 0) return {};
  const features: string[] = [];
  const names: string[] = [];
  const pairs = permissions.map((permission) => {
    const match = /^org:([^:,]+):([^:,]+)$/.exec(permission);
    if (!match)
      throw new Error(
        `v2 session claims can only carry org:<feature>:<permission> names, got ${permission}`,
      );
    const [, feature, name] = match as unknown as [string, string, string];
    if (!features.includes(feature)) features.push(feature);
    if (!names.includes(name)) names.push(name);
    return { feature, name };
  });
  const masks = features.map((feature) =>
    pairs
      .filter((pair) => pair.feature === feature)
      .reduce((mask, pair) => mask | (1n << BigInt(names.indexOf(pair.name))), 0n),
  );
  return {
    fea: features.map((feature) => `o:${feature}`).join(','),
    per: names.join(','),
    fpm: masks.map(String).join(','),
  };
}

/** Creates an issuer with a fresh RSA-2048 key pair (Clerk's verifier refuses other sizes). */
export async function createClerkTestIssuer(
  options: ClerkTestIssuerOptions = {},
): Promise<ClerkTestIssuer> {
  const frontendApi = options.frontendApi ?? 'clerk.scoped-rag.test';
  const authorizedParty = options.authorizedParty ?? 'http://localhost:3000';
  const issuer = `https://${frontendApi}`;
  const keys = await crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    true,
    ['sign', 'verify'],
  );
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const jwtKey = `-----BEGIN PUBLIC KEY-----\n${base64(spki)
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PUBLIC KEY-----`;
  const kid = randomId('ins_test_');
  const webhookSecret = `whsec_${base64(crypto.getRandomValues(new Uint8Array(24)))}`;

  async function signJwt(
    header: Record<string, unknown>,
    payload: Record<string, unknown>,
  ): Promise<string> {
    const body = `${encodeJson(header)}.${encodeJson(payload)}`;
    const signature = new Uint8Array(
      await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keys.privateKey, encoder.encode(body)),
    );
    return `${body}.${base64url(signature)}`;
  }

  async function sessionToken(claims: TestSessionClaims): Promise<string> {
    const version = claims.version ?? 2;
    const iat = claims.issuedAt ?? Math.floor(Date.now() / 1000);
    const orgId = claims.orgId ?? null;
    const role = claims.orgRole?.replace(/^org:/, '') ?? null;
    const payload: Record<string, unknown> = {
      azp: authorizedParty,
      exp: iat + (claims.expiresInSeconds ?? 60),
      iat,
      iss: issuer,
      nbf: claims.notBefore ?? iat,
      sid: claims.sessionId ?? randomId('sess_'),
      sub: claims.userId,
    };
    if (version === 2) {
      payload.v = 2;
      payload.sts = claims.status ?? 'active';
      if (orgId !== null) {
        const { fea, per, fpm } = encodeV2Permissions(claims.orgPermissions ?? []);
        payload.o = {
          id: orgId,
          slg: claims.orgSlug ?? orgId,
          rol: role ?? 'member',
          ...(per ? { per, fpm } : {}),
        };
        if (fea) payload.fea = fea;
      }
    } else if (orgId !== null) {
      payload.org_id = orgId;
      payload.org_slug = claims.orgSlug ?? orgId;
      payload.org_role = `org:${role ?? 'member'}`;
      payload.org_permissions = [...(claims.orgPermissions ?? [])];
    }
    for (const [key, value] of Object.entries(claims.claims ?? {})) {
      if (value === undefined) delete payload[key];
      else payload[key] = value;
    }
    return signJwt({ alg: 'RS256', kid, typ: 'JWT' }, payload);
  }

  async function signWebhook(
    payload: unknown,
    signOptions: { id?: string; timestamp?: number; secret?: string } = {},
  ): Promise<SignedWebhook> {
    const id = signOptions.id ?? randomId('msg_');
    const timestamp = String(signOptions.timestamp ?? Math.floor(Date.now() / 1000));
    const body = JSON.stringify(payload);
    const secret = signOptions.secret ?? webhookSecret;
    const key = await crypto.subtle.importKey(
      'raw',
      fromBase64(secret.replace(/^whsec_/, '')),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const signature = new Uint8Array(
      await crypto.subtle.sign('HMAC', key, encoder.encode(`${id}.${timestamp}.${body}`)),
    );
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': timestamp,
        'svix-signature': `v1,${base64(signature)}`,
      },
    };
  }

  return Object.freeze({
    jwtKey,
    issuer,
    authorizedParty,
    publishableKey: `pk_test_${btoa(`${frontendApi}$`)}`,
    kid,
    webhookSecret,
    sessionToken,
    signJwt,
    signWebhook,
  });
}
