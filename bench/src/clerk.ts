// Token verification cost: p50 / p99 of resolve(request) on the jwtKey fast path, against the bare
// @clerk/backend verifyToken call it wraps (the baseline), measured interleaved in one run.
// "cold" resolves a token never seen before; "warm" one the same client sent before (the usual
// case: Clerk refreshes session tokens about once a minute), served by the verified-token cache.
import { verifyToken } from '@clerk/backend';
import { createClerkIdentityResolver } from '@scoped-rag/clerk';
import { createClerkTestIssuer } from '@scoped-rag/testing';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2_000);
const issuer = await createClerkTestIssuer();
const resolver = createClerkIdentityResolver({
  jwtKey: issuer.jwtKey,
  authorizedParties: [issuer.authorizedParty],
  issuer: issuer.issuer,
  cache: { maxEntries: 100_000 },
});
const mint = (i: number) =>
  issuer.sessionToken({
    userId: 'user_2NNEqL2nrIRdJ194ndJqAHwEfxC',
    orgId: 'org_2NNEqL2nrIRdJ194ndJqAHwEfxC',
    orgRole: 'admin',
    orgPermissions: ['org:documents:read', 'org:documents:write'],
    expiresInSeconds: 3_600,
    sessionId: `sess_${i}`,
  });
const request = (token: string) =>
  new Request('http://localhost:3000/api/chat', { headers: { authorization: `Bearer ${token}` } });
const verifyOptions = {
  jwtKey: issuer.jwtKey,
  authorizedParties: [issuer.authorizedParty],
  issuer: issuer.issuer,
};

// No network on the fast path: any fetch fails the bench.
globalThis.fetch = async () => {
  throw new Error('the jwtKey fast path must not use the network');
};

const fresh = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => mint(i)));
const baselineTokens = await Promise.all(
  Array.from({ length: ROUNDS }, (_, i) => mint(ROUNDS + i)),
);
const warmToken = await mint(-1);
for (let i = 0; i < 200; i++) {
  await verifyToken(warmToken, verifyOptions);
  await resolver.resolve(request(warmToken));
}

// Requests exist before the handler runs: build them outside the timed part.
const freshRequests = fresh.map(request);
const warmRequests = Array.from({ length: ROUNDS }, () => request(warmToken));
const times = { baseline: [] as number[], cold: [] as number[], warm: [] as number[] };
const runs: Record<keyof typeof times, (i: number) => Promise<unknown>> = {
  baseline: (i) => verifyToken(baselineTokens[i]!, verifyOptions),
  cold: (i) => resolver.resolve(freshRequests[i]!),
  warm: (i) => resolver.resolve(warmRequests[i]!),
};
const names = Object.keys(runs) as (keyof typeof times)[];
for (let i = 0; i < ROUNDS; i++) {
  // Interleaved, rotating which system goes first.
  for (let k = 0; k < names.length; k++) {
    const name = names[(i + k) % names.length]!;
    const start = performance.now();
    await runs[name](i);
    times[name].push((performance.now() - start) * 1000);
  }
}
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const label: Record<keyof typeof times, string> = {
  baseline: '@clerk/backend verifyToken, new token (baseline)',
  cold: 'resolver.resolve(request), new token',
  warm: 'resolver.resolve(request), token seen before',
};
console.log(
  `\nClerk token verification with jwtKey (networkless), ${ROUNDS.toLocaleString()} rounds; target p50 ≤ 150 µs`,
);
console.log('| system | p50 | p99 | p50 ratio to baseline |\n|---|---:|---:|---:|');
for (const name of names) {
  const p50 = percentile(times[name], 50);
  console.log(
    `| ${label[name]} | ${p50.toFixed(1)} µs | ${percentile(times[name], 99).toFixed(1)} µs | ${(p50 / percentile(times.baseline, 50)).toFixed(2)}× |`,
  );
}
