// A console tour of scoped-rag on the embedded defaults (no credentials, no network): two
// organizations and a personal workspace share one vector store, and none can see the others.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClerkIdentityResolver } from '@scoped-rag/clerk';
import {
  createMemoryAuditSink,
  createMemoryVectorStore,
  createScopedVectorStore,
  type Identity,
  orgPolicy,
  type ScopedMatch,
  ScopedRagError,
  type ScopedVectors,
  type Visibility,
} from '@scoped-rag/core';
import { createClerkTestIssuer, type TestSessionClaims } from '@scoped-rag/testing/clerk';

const DIMENSIONS = 64;
const STOP_WORDS = new Set(['a', 'an', 'the', 'of', 'in', 'on', 'for', 'to', 'and', 'is', 'my']);

/**
 * A deterministic stand-in for an embedding model: every word is hashed (FNV-1a) to one of 64
 * dimensions with a sign, and the vector is L2-normalised. Texts that share words score higher.
 */
export function embed(text: string): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  for (const word of words) {
    if (STOP_WORDS.has(word)) continue;
    let hash = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) {
      hash ^= word.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    vector[hash % DIMENSIONS]! += hash & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) throw new Error(`Nothing to embed in ${JSON.stringify(text)}.`);
  return vector.map((value) => value / norm);
}

interface Doc {
  readonly id: string;
  readonly text: string;
  readonly visibility: Visibility;
}

// The same ids in two tenants on purpose: tenant keys keep them apart.
const ACME_DOCS: readonly Doc[] = [
  {
    id: 'handbook',
    text: 'Vacation policy: every employee gets 25 days of paid vacation per year.',
    visibility: 'org',
  },
  {
    id: 'pricing',
    text: 'Enterprise pricing starts at 40 dollars per seat per month.',
    visibility: 'org',
  },
  {
    id: 'salary-review',
    text: 'Private notes for the salary review of the engineering team.',
    visibility: 'private',
  },
];
const GLOBEX_DOCS: readonly Doc[] = [
  {
    id: 'handbook',
    text: 'Vacation policy: every Globex employee gets 20 days of paid vacation per year.',
    visibility: 'org',
  },
  {
    id: 'roadmap',
    text: 'Product roadmap: ship the vector search feature next quarter.',
    visibility: 'org',
  },
];
const PERSONAL_DOCS: readonly Doc[] = [
  {
    id: 'trip',
    text: 'My vacation plans: hiking in the Alps for ten days in June.',
    visibility: 'private',
  },
];

/** Runs `attempt` and returns the code of the scoped-rag error it throws; fails if it succeeds. */
async function refusalCode(attempt: () => unknown): Promise<string> {
  try {
    await attempt();
  } catch (error) {
    if (ScopedRagError.isInstance(error)) return error.code;
    throw error;
  }
  throw new Error('Expected scoped-rag to refuse this operation, but it succeeded.');
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  const store = createMemoryVectorStore({ dimensions: DIMENSIONS });
  const policy = orgPolicy();
  const audit = createMemoryAuditSink();
  const vectors = createScopedVectorStore({ store, policy, audit });

  // Identities come from Clerk session tokens, verified by the real @clerk/backend. With no Clerk
  // credentials, a local development issuer signs them with a key made for this run.
  const issuer = await createClerkTestIssuer();
  const resolver = createClerkIdentityResolver({
    jwtKey: issuer.jwtKey,
    issuer: issuer.issuer,
    authorizedParties: [issuer.authorizedParty],
  });
  const signIn = async (claims: TestSessionClaims) => {
    const token = await issuer.sessionToken(claims);
    return resolver.resolve(
      new Request('http://localhost:3000/', { headers: { authorization: `Bearer ${token}` } }),
    );
  };
  const alice = await signIn({ userId: 'user_alice', orgId: 'org_acme', orgRole: 'admin' });
  const bob = await signIn({ userId: 'user_bob', orgId: 'org_acme', orgRole: 'member' });
  const carol = await signIn({ userId: 'user_carol', orgId: 'org_globex', orgRole: 'admin' });
  const alicePersonal = await signIn({ userId: 'user_alice' }); // no active organization
  log(`Signed in 4 sessions with locally signed Clerk tokens (issuer ${issuer.issuer}).`);

  const section = (title: string) => log(`\n== ${title} ==`);
  const show = (who: string, matches: readonly ScopedMatch[]) => {
    log(`${who}: ${matches.length} match(es)`);
    for (const m of matches) {
      log(
        `  ${m.score.toFixed(3)}  ${m.id.padEnd(14)} ${m.visibility.padEnd(8)} ${m.metadata.text}`,
      );
    }
  };
  const ask = (handle: ScopedVectors, question: string, topK = 5) =>
    handle.query({ vector: embed(question), topK }).then((result) => result.matches);

  section('Setup');
  const scopes = { alice, bob, carol, alicePersonal };
  for (const [name, identity] of Object.entries(scopes) as [string, Identity][]) {
    const scope = policy.scopeFor(identity);
    log(
      `${name.padEnd(13)} -> tenant ${scope.tenantKey.padEnd(14)} namespace "${policy.namespaceFor(scope)}"`,
    );
  }

  const aliceAcme = vectors.forIdentity(alice);
  const bobAcme = vectors.forIdentity(bob);
  const carolGlobex = vectors.forIdentity(carol);
  const aliceHome = vectors.forIdentity(alicePersonal);
  const write = (handle: ScopedVectors, docs: readonly Doc[]) =>
    handle.upsert(
      docs.map((doc) => ({
        id: doc.id,
        values: embed(doc.text),
        metadata: { text: doc.text },
        visibility: doc.visibility,
      })),
    );
  const written = [
    await write(aliceAcme, ACME_DOCS),
    await write(carolGlobex, GLOBEX_DOCS),
    await write(aliceHome, PERSONAL_DOCS),
  ];
  log(`Upserted ${written.reduce((sum, r) => sum + r.upsertedCount, 0)} documents into 3 tenants.`);

  section('Queries see only their own tenant');
  // Compare on text, since ids repeat across tenants.
  const countForeign = (matches: readonly ScopedMatch[], own: readonly Doc[]) =>
    matches.filter((m) => !own.some((doc) => doc.id === m.id && doc.text === m.metadata.text))
      .length;
  const question = 'How many days of paid vacation does an employee get?';
  log(`Question: "${question}"`);
  const acmeAnswer = await ask(aliceAcme, question);
  show('alice @ org_acme', acmeAnswer);
  log(`alice @ org_acme: ${countForeign(acmeAnswer, ACME_DOCS)} result(s) from other tenants`);
  const globexAnswer = await ask(carolGlobex, question);
  show('carol @ org_globex', globexAnswer);
  log(
    `carol @ org_globex: ${countForeign(globexAnswer, GLOBEX_DOCS)} result(s) from other tenants`,
  );
  const homeAnswer = await ask(aliceHome, question);
  show('alice (personal)', homeAnswer);
  log(`alice (personal): ${countForeign(homeAnswer, PERSONAL_DOCS)} result(s) from other tenants`);

  section('Private documents stay private inside the org');
  const privateQuestion = 'salary review engineering team';
  const privateIds = ACME_DOCS.filter((d) => d.visibility === 'private').map((d) => d.id);
  const isPrivateOfAlice = (m: ScopedMatch) =>
    m.visibility === 'private' && m.owner === alice.userId;
  const ownerMatches = await ask(aliceAcme, privateQuestion, 10);
  const colleagueMatches = await ask(bobAcme, privateQuestion, 10);
  const colleagueFetched = (await bobAcme.fetch(privateIds)).records.length;
  log(
    `alice (owner) sees ${ownerMatches.filter(isPrivateOfAlice).length} private doc(s) of alice among ${ownerMatches.length} match(es)`,
  );
  log(
    `bob (colleague) sees ${colleagueMatches.filter(isPrivateOfAlice).length} private doc(s) of alice among ${colleagueMatches.length} match(es)`,
  );
  log(`bob fetching ${JSON.stringify(privateIds)} by id gets ${colleagueFetched} record(s)`);

  section('Filters cannot name reserved keys');
  const reservedCode = await refusalCode(() =>
    bobAcme.query({
      vector: embed(question),
      topK: 5,
      filter: { _sr_tenant: { $eq: policy.scopeFor(carol).tenantKey } },
    }),
  );
  log(`bob filtering on _sr_tenant = org_globex's key: refused with ${reservedCode}`);

  section('Only a policy can make a scope');
  const forgedCode = await refusalCode(() =>
    vectors.forScope({ ...policy.scopeFor(alice) }).query({ vector: embed(question), topK: 5 }),
  );
  log(`a plain-object copy of alice's scope: refused with ${forgedCode}`);

  section('Erasing a tenant');
  const memberEraseCode = await refusalCode(() => bobAcme.deleteAll());
  log(`bob (org:member) erasing org_acme: refused with ${memberEraseCode}`);
  const { deletedCount } = await carolGlobex.deleteAll();
  const globexLeft = (await carolGlobex.list()).ids.length;
  const acmeLeft = (await aliceAcme.list()).ids.length;
  log(`carol (org:admin) erased org_globex: ${deletedCount} record(s) deleted`);
  log(`org_globex now holds ${globexLeft} record(s); org_acme still holds ${acmeLeft}`);

  section('Audit trail');
  const actions = new Map<string, number>();
  for (const event of audit.events) actions.set(event.action, (actions.get(event.action) ?? 0) + 1);
  log(
    `${audit.events.length} event(s): ${[...actions].map(([action, n]) => `${action} ${n}`).join(', ')}`,
  );
}

// Run only when executed directly (`tsx src/demo.ts`), not when a test imports `main`. Real paths,
// because pnpm links the package and tsx may see either spelling of the path.
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
