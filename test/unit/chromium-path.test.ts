/** The browser e2e tests find Chromium through CHROMIUM_PATH, and say loudly when they skip (report-rdocs 8). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHROMIUM, findChromium, skippedWithoutChromium } from '../support/chromium.ts';

describe('the Chromium of the browser tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clientela-chromium-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is CHROMIUM_PATH when set', () => {
    const browser = join(dir, 'chrome');
    writeFileSync(browser, '');
    expect(findChromium({ CHROMIUM_PATH: browser })).toEqual({ path: browser, found: true });
  });

  it('is Debian\'s /usr/bin/chromium otherwise', () => {
    expect(findChromium({}).path).toBe(DEFAULT_CHROMIUM);
    expect(findChromium({ CHROMIUM_PATH: '' }).path).toBe(DEFAULT_CHROMIUM);
  });

  it('refuses a CHROMIUM_PATH that names no file rather than skip the tests', () => {
    expect(() => findChromium({ CHROMIUM_PATH: join(dir, 'nothing') })).toThrow(/CHROMIUM_PATH=.*no such file/);
  });

  it('says which file skips and how to run it', () => {
    const line = skippedWithoutChromium(new URL('../e2e/console.test.ts', import.meta.url).href);
    expect(line).toMatch(/^test\/e2e\/console\.test\.ts SKIPPED: no Chromium at /);
    expect(line).toContain('apt-get install -y chromium');
    expect(line).toContain('CHROMIUM_PATH');
  });
});
