// The README's demo in a real browser (Debian's Chromium driven by playwright-core): a visitor
// switches development identities and sees tenant isolation, the refusals and erasure on the page.
// Screenshots of each step go to test-results/example-express/ (gitignored).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemo } from './demo-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The flags known to work for Debian's Chromium on these machines (no sandbox: CI runs as root).
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SCREENSHOTS = fileURLToPath(
  new URL('../../../test-results/example-express/', import.meta.url),
);

const ci = process.env.CI;
const isCI = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
const hasChromium = existsSync(CHROMIUM);

const HANDBOOK = {
  title: 'Acme vacation policy',
  text: 'Every Acme employee gets 25 days of paid vacation per year.\n\nUnused vacation days carry over to the next year, up to ten days.',
};
const SALARIES = {
  title: 'Acme salary review notes',
  text: 'Private notes for the salary review of the Acme engineering team: raises of four percent.',
};

if (!hasChromium && isCI) {
  describe('the demo page in Chromium', () => {
    it(`needs Chromium at ${CHROMIUM} in CI`, () => {
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: .ci/run installs it with "apt-get install -y chromium" before the tests.`,
      );
    });
  });
}

describe.skipIf(!hasChromium)(
  hasChromium
    ? 'the demo page in Chromium'
    : `the demo page in Chromium (skipped: no Chromium at ${CHROMIUM}; apt-get install -y chromium)`,
  () => {
    let demo: DemoServer;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      demo = await startDemo();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
      page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      // The page must load nothing from elsewhere.
      page.on('request', (request) => {
        if (!request.url().startsWith(demo.url)) pageErrors.push(`request to ${request.url()}`);
      });
    });

    afterAll(async () => {
      await browser?.close();
      await demo?.close();
    });

    const shoot = (name: string) =>
      page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });

    /** Picks a development identity and waits until the page has loaded its workspace. */
    async function signInAs(identity: string): Promise<void> {
      await page.selectOption('#identity-select', identity);
      await page.waitForSelector(`body[data-ready="${identity}"]`);
    }

    /** What a visitor reads in an element: its text content, whitespace collapsed. */
    const text = async (selector: string) =>
      ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();

    const documentTitles = () =>
      page.locator('#documents tbody tr td:first-child').allTextContents();

    async function upload(doc: { title: string; text: string }, visibility: string) {
      await page.fill('#doc-title', doc.title);
      await page.fill('#doc-text', doc.text);
      await page.selectOption('#doc-visibility', visibility);
      await page.click('#upload-form button[type="submit"]');
      await page.locator('#documents tbody tr', { hasText: doc.title }).waitFor();
    }

    async function search(query: string): Promise<string[]> {
      await page.fill('#search-query', query);
      await page.click('#search-form button[type="submit"]');
      await page.waitForSelector(`#search-results[data-query="${query}"]`, { state: 'attached' });
      return page.locator('#search-results li').allTextContents();
    }

    /** Waits for an error box to show this status, and returns its text. */
    async function errorShown(selector: string, status: number): Promise<string> {
      const box = page.locator(`${selector}[data-status="${status}"]`);
      await box.waitFor();
      return (await box.textContent()) ?? '';
    }

    it('starts signed in as the first development identity, Alice in Acme', async () => {
      await page.goto(demo.url);
      await page.waitForSelector('body[data-ready="alice-acme"]');
      expect(await text('#whoami')).toBe(
        'Signed in as user_alice · organization org_acme as org:admin · tenant o_org_acme',
      );
      expect(await text('#services')).toContain('development switcher');
      expect(await text('#no-llm-note')).toContain('There is no language model offline');
    });

    it('uploads an organization document and a private one as Alice', async () => {
      await upload(HANDBOOK, 'org');
      expect(await text('#upload-result')).toMatch(
        /"Acme vacation policy" created \(org, \d+ chunk\(s\)/,
      );
      await upload(SALARIES, 'private');
      expect(await documentTitles()).toEqual([SALARIES.title, HANDBOOK.title]);
      const cells = await page.locator('#documents tbody tr:nth-child(2) td').allTextContents();
      expect(cells.slice(0, 4)).toEqual([HANDBOOK.title, 'org', 'user_alice', 'indexed']);
      await shoot('01-alice-acme-uploaded');
    });

    it('shows Bob in Globex none of it, in the list or in a search', async () => {
      await signInAs('bob-globex');
      expect(await text('#whoami')).toContain('organization org_globex');
      expect(await documentTitles()).toEqual([]);
      expect(await page.locator('#documents-empty').isVisible()).toBe(true);
      expect(await search('How many days of paid vacation per year?')).toEqual([]);
      expect(await text('#search-shortfall')).toBe(
        'Asked for 5, got 0: this workspace holds no more chunks you may read.',
      );
      await shoot('02-bob-globex-finds-nothing');
    });

    it("shows Alice's personal workspace empty, and Acme's documents again when she switches back", async () => {
      // Straight through Acme on the way: answers for an identity left behind are never shown.
      await page.selectOption('#identity-select', 'alice-acme');
      await signInAs('alice-personal');
      expect(await text('#whoami')).toContain('personal workspace');
      expect(await documentTitles()).toEqual([]);
      expect(await search('paid vacation days')).toEqual([]);
      await shoot('03-alice-personal-empty');

      await signInAs('alice-acme');
      expect(await documentTitles()).toEqual([SALARIES.title, HANDBOOK.title]);
      const results = await search('How many days of paid vacation per year?');
      expect(results[0]).toMatch(/^score 0\.\d{3} · Acme vacation policy · chunk 0 · org/);
      expect(results[0]).toContain('25 days of paid vacation');
    });

    it("shows Bob, a member of Acme, the shared document but not Alice's private one", async () => {
      await signInAs('bob-acme');
      expect(await text('#whoami')).toContain('org_acme as org:member');
      expect(await documentTitles()).toEqual([HANDBOOK.title]);
      const results = await search('salary review raises engineering team');
      expect(results.join('\n')).not.toContain('four percent');
      expect(results.join('\n')).not.toContain(SALARIES.title);
      await shoot('04-bob-acme-member');
    });

    it('shows a 403 when the member tries to erase Acme, and a 400 for an empty text', async () => {
      await page.click('#erase-tenant');
      const forbidden = await errorShown('#erase-error', 403);
      expect(forbidden).toContain('403 Forbidden · FORBIDDEN');
      expect(forbidden).toContain('organization admins only');
      expect(await documentTitles()).toEqual([HANDBOOK.title]);

      await page.fill('#doc-title', 'Empty');
      await page.fill('#doc-text', '   ');
      await page.click('#upload-form button[type="submit"]');
      const invalid = await errorShown('#upload-error', 400);
      expect(invalid).toContain('400 Bad input · INVALID_INPUT');
      expect(invalid).toContain('"text" must not be empty');
      await shoot('05-bob-acme-403-and-400');
    });

    it('keeps chat threads per user: Alice gets the retrieved context as the reply, Bob sees no thread', async () => {
      await signInAs('alice-acme');
      await page.click('#new-thread');
      await page.waitForSelector('#thread-view:not([hidden])');
      await page.fill('#message-input', 'How many vacation days do we get?');
      await page.click('#message-form button[type="submit"]');
      const reply = page.locator('#messages li[data-role="assistant"]');
      await reply.waitFor();
      const replyText = (await reply.textContent()) ?? '';
      expect(replyText).toContain('No language model is wired into this demo');
      expect(replyText).toMatch(
        /\[1\] Acme vacation policy \(document .+, chunk 0, score 0\.\d{3}\)/,
      );
      expect(replyText).not.toContain('four percent'); // scored below the minimum for context
      await page.locator('#thread-list li', { hasText: 'How many vacation days' }).waitFor();
      await page
        .locator('#thread-title', { hasText: 'How many vacation days do we get?' })
        .waitFor();
      await shoot('06-alice-acme-thread');

      await signInAs('bob-acme');
      expect(await page.locator('#thread-list li').count()).toBe(0);
      expect(await page.locator('#threads-empty').isVisible()).toBe(true);
    });

    it("lets Alice, Acme's admin, erase the organization's data", async () => {
      await signInAs('alice-acme');
      await page.click('#erase-tenant');
      await page.locator('#erase-result', { hasText: 'Erased 2 document(s)' }).waitFor();
      await page.waitForSelector('body[data-ready="alice-acme"]');
      expect(await text('#erase-result')).toMatch(
        /^Erased 2 document\(s\), \d+ chunk\(s\), \d+ vector\(s\), 1 thread\(s\), 2 message\(s\); verified nothing is left\.$/,
      );
      expect(await documentTitles()).toEqual([]);
      expect(await page.locator('#thread-list li').count()).toBe(0);
      await shoot('07-alice-acme-erased');

      await signInAs('bob-acme');
      expect(await documentTitles()).toEqual([]);
      expect(await search('paid vacation days')).toEqual([]);
    });

    it('shows a 401 when signed out', async () => {
      await signInAs('signed-out');
      expect(await text('#whoami')).toBe('Not signed in.');
      const unauthenticated = await errorShown('#global-error', 401);
      expect(unauthenticated).toContain('401 Signed out · UNAUTHENTICATED');
      expect(unauthenticated).toContain('The request carries no Clerk session');
      // Nothing is shown as if it were an empty workspace.
      expect(await page.locator('#documents-empty').isVisible()).toBe(false);
      expect(await page.locator('#threads-empty').isVisible()).toBe(false);
      expect(await errorShown('#documents-error', 401)).toContain('UNAUTHENTICATED');

      await page.fill('#doc-title', 'Anonymous');
      await page.fill('#doc-text', 'Written without a session.');
      await page.click('#upload-form button[type="submit"]');
      expect(await errorShown('#upload-error', 401)).toContain('UNAUTHENTICATED');
      await shoot('08-signed-out-401');
    });

    it('raised no script error and loaded nothing from elsewhere', () => {
      // Chromium logs the 400, 401 and 403 answers above as failed loads; nothing else may fail.
      const expected = /^Failed to load resource: the server responded with a status of 40[013]/;
      expect(pageErrors.filter((line) => !expected.test(line))).toEqual([]);
      expect(demo.serverErrors).toEqual([]);
    });
  },
);
