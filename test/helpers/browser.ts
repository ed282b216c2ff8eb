// Headless Chromium for the browser tests (DEVELOPERS.md): Debian's `chromium` driven by
// playwright-core. Playwright's own browser download (`npx playwright install`) cannot reach its
// CDN here, so the system build is launched by path with the flags below, kept in this one place.
// A missing browser fails the test that needs it, with the fix; it never skips it.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page, type Request } from 'playwright-core';

export const CHROMIUM_PATH = process.env.INFERMARK_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, offline, unprivileged headless run (the test container has no GPU and no user namespaces). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Launch headless Chromium; throws with the install command when it is not there. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} not found: the browser tests need Debian's chromium (run \`bash scripts/install.sh --system-packages\`, see DEVELOPERS.md)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** What a page did that a self-contained page must not: requests it tried, console errors, dialogs, uncaught errors. */
export interface PageWatch {
  /** URLs of every request the page attempted other than those `allowed` (each was aborted). */
  blocked: string[];
  consoleErrors: string[];
  dialogs: string[];
  pageErrors: string[];
}

/**
 * Abort every request of `page` except those `allowed` lets through, and record what was
 * attempted, every console error, every dialog (dismissed) and every uncaught page error.
 */
export async function watchPage(page: Page, allowed: (request: Request) => boolean = () => false): Promise<PageWatch> {
  const watch: PageWatch = { blocked: [], consoleErrors: [], dialogs: [], pageErrors: [] };
  await page.route('**/*', async (route) => {
    if (allowed(route.request())) return route.continue();
    watch.blocked.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  page.on('console', (m) => {
    if (m.type() === 'error') watch.consoleErrors.push(m.text());
  });
  page.on('dialog', (d) => {
    watch.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => watch.pageErrors.push(String(e)));
  return watch;
}
