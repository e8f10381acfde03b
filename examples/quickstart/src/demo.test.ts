import { beforeAll, describe, expect, it } from 'vitest';
import { embed, main } from './demo.js';

async function runDemo(): Promise<string> {
  const lines: string[] = [];
  await main((line) => lines.push(line));
  return lines.join('\n');
}

describe('quickstart demo', () => {
  let output = '';
  beforeAll(async () => {
    output = await runDemo();
  });

  it('shows each tenant only its own documents', () => {
    expect(output).toContain('Upserted 6 documents into 3 tenants.');
    expect(output).toMatch(/alice @ org_acme: [1-9]\d* match\(es\)/);
    expect(output).toContain('alice @ org_acme: 0 result(s) from other tenants');
    expect(output).toContain('carol @ org_globex: 0 result(s) from other tenants');
    expect(output).toContain('alice (personal): 0 result(s) from other tenants');
  });

  it('hides a private document from a colleague but not from its owner', () => {
    expect(output).toMatch(/alice \(owner\) sees 1 private doc\(s\) of alice among [1-9]/);
    expect(output).toMatch(/bob \(colleague\) sees 0 private doc\(s\) of alice among [1-9]/);
    expect(output).toContain('by id gets 0 record(s)');
  });

  it('reports the refusals with their error codes', () => {
    expect(output).toMatch(/_sr_tenant.*refused with SCOPE_VIOLATION/);
    expect(output).toMatch(/plain-object copy.*refused with UNSCOPED_QUERY/);
    expect(output).toMatch(/bob \(org:member\) erasing org_acme: refused with FORBIDDEN/);
  });

  it('erases one tenant and leaves the others', () => {
    expect(output).toContain('erased org_globex: 2 record(s) deleted');
    expect(output).toContain('org_globex now holds 0 record(s); org_acme still holds 3');
  });

  it('ranks the document sharing the question words first', () => {
    const acmeResults = output.split('alice @ org_acme: ')[1]!.split('\n');
    expect(acmeResults[1]).toMatch(/^\s+[\d.]+\s+handbook\s/);
  });
});

describe('the demo embedding', () => {
  const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

  it('is deterministic and unit length', () => {
    const vector = embed('Paid vacation days per year');
    expect(embed('Paid vacation days per year')).toEqual(vector);
    expect(vector).toHaveLength(64);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
  });

  it('scores related texts higher than unrelated ones', () => {
    const question = embed('how many vacation days');
    expect(cosine(question, embed('25 days of paid vacation'))).toBeGreaterThan(
      cosine(question, embed('enterprise pricing per seat')),
    );
  });

  it('refuses text with no words rather than returning a zero vector', () => {
    expect(() => embed('  ... ')).toThrow(/Nothing to embed/);
  });
});
