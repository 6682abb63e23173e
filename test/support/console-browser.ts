/**
 * What the console's end-to-end files share: the browser (headless Chromium, the Debian package), the API
 * calls a test makes beside the page, and the accessibility check every page goes through (axe-core).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { LocalInstance } from '../../bench/local-instance.ts';
import type { SharedInstance } from './console-global-setup.ts';
import { E2E_TIMEOUT_MS } from './timeouts.ts';

export { CHROMIUM, hasChromium } from './chromium.ts';
import { CHROMIUM } from './chromium.ts';
/** Chromium's flags: headless, no sandbox (containers), nothing that reaches the network on its own. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A call to the instance's API with its secret key, beside what the page does: status and parsed body. */
export function apiCaller(api: () => LocalInstance) {
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${api().url}${path}`, {
      method,
      headers: { authorization: `Bearer ${api().secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/** axe-core on the page as it is now: the serious and critical violations, readably. */
export async function seriousViolations(p: Page): Promise<string[]> {
  // Evaluated, not added as an inline <script>: the console's Content-Security-Policy refuses inline scripts.
  await p.evaluate(AXE);
  // A string: it runs in the page (the tests are type-checked without the DOM's types).
  const violations = (await p.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`,
  )) as { id: string; impact: string; help: string; targets: string[] }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id} (${v.help}): ${v.targets.join(', ')}`);
}

/** Every page: a screenshot kept in `shots` as an artefact, and no serious or critical accessibility violation. */
export async function checkPageIn(shots: string, p: Page, name: string) {
  await p.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  expect(await seriousViolations(p), `axe on ${name}`).toEqual([]);
}

/**
 * A browser context signed in to the instance's console with its secret key (as the sign-in page keeps it, in
 * the tab's sessionStorage), whose page errors go to `errors` (each test file checks it stays empty).
 */
export async function signedInContext(browser: Browser, api: LocalInstance, errors: string[], options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  // A string: it runs in the page (the tests are type-checked without the DOM's types). Not on about:blank,
  // where a page has no storage of its own.
  await context.addInitScript(`if (location.protocol.startsWith('http')) sessionStorage.setItem('clientela.key', ${JSON.stringify(api.secretKey)})`);
  context.on('weberror', (e) => errors.push(e.error().stack ?? e.error().message));
  return context;
}

/**
 * A new page of `context` on the console's customer list, once its heading (`Clienti`, `Customers`: the
 * context's locale) is shown; every wait of the page allows WAIT_TIMEOUT_MS.
 */
export async function customerListPage(context: BrowserContext, api: LocalInstance, heading: string, waitMs: number): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(waitMs);
  await page.goto(`${api.url}/#/customers`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  return page;
}

/**
 * A tenant of its own on the run's shared instance (test/support/console-global-setup.ts), made as a user
 * makes one (`npm run keys -- create`, which finds the instance through its DATA_DIR): the instance with
 * that tenant's keys. Stopping it stops nothing: the run's set-up stops the instance.
 */
export function tenantOn(shared: SharedInstance, tenant: string, timeoutMs: number): Promise<LocalInstance> {
  const root = resolve(import.meta.dirname, '../..');
  return new Promise((done, fail) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', 'create', '--tenant', tenant], { cwd: root, env: { ...process.env, DATA_DIR: dirname(shared.outboxDir) }, timeout: timeoutMs }, (error, stdout, stderr) => {
      const secretKey = /secret key:\s+(sk_[A-Za-z0-9_-]+)/.exec(stdout)?.[1];
      const publishableKey = /publishable key:\s+(pk_[A-Za-z0-9_-]+)/.exec(stdout)?.[1];
      if (error || !secretKey || !publishableKey) fail(new Error(`keys create --tenant ${tenant}: ${error?.message ?? ''}\n${stdout}${stderr}`));
      else done({ ...shared, secretKey, publishableKey, stop: async () => undefined });
    });
  });
}

/**
 * The hooks every console e2e file has (call inside its describe): after each test no page error was seen,
 * and at the end the browser closes.
 */
export function consoleTestHooks(pageErrors: string[], running: () => { browser?: Browser; api?: LocalInstance }): void {
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    const { browser, api } = running();
    await browser?.close();
    await api?.stop();
  });
}

/**
 * What every console e2e file sets up (call it first inside the file's describe): its own tenant on the run's
 * `npm start` (`opts.demo`: the demo tenant the instance prints, as a user finds it) and a Chromium, started
 * together before the file's own `beforeAll` (vitest runs hooks in the order they are declared), a run id that
 * keeps this file's people apart from earlier runs' (`mail('marco')`), the API caller, the page check whose
 * screenshots go to test-results/<name>, and consoleTestHooks. `api` and `browser` are there once the set-up
 * has run.
 */
export function consoleSuite(name: string, opts: { demo?: boolean } = {}) {
  const shots = join(resolve(import.meta.dirname, '../..'), 'test-results', name);
  const pageErrors: string[] = [];
  const run = Date.now().toString(36);
  let api: LocalInstance | undefined;
  let browser: Browser | undefined;
  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`${name}: the ${what} is not started (use it in a hook or test, after consoleSuite's set-up)`);
    return value;
  };
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    const { chromium } = await import('playwright-core');
    const shared = inject('consoleInstance');
    [api, browser] = await Promise.all([
      opts.demo ? { ...shared, stop: async () => undefined } : tenantOn(shared, `${name}-${run}`, E2E_TIMEOUT_MS),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ]);
  }, E2E_TIMEOUT_MS);
  consoleTestHooks(pageErrors, () => ({ browser, api }));
  return {
    get api(): LocalInstance {
      return started('instance', api);
    },
    get browser(): Browser {
      return started('browser', browser);
    },
    run,
    pageErrors,
    mail: (who: string) => `${who}.${run}@example.com`,
    call: apiCaller(() => started('instance', api)),
    checkPage: (p: Page, pageName: string) => checkPageIn(shots, p, pageName),
  };
}
