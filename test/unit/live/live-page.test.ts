// The live dashboard's page as text (docs/cli.md §3.5): self-contained, and its policy runs only its
// own two scripts and reaches only its own origin. The page running in a browser:
// test/e2e/live-dashboard-browser.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderLivePage } from '../../../ts/src/live/live-page.js';

const page = renderLivePage('infermark live: <model> & "q"');

describe('the live dashboard page', () => {
  it('runs only its inlined scripts, by hash, and connects only to its own origin', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)![1]!;
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    const hashes = scripts.map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
    expect(csp).toContain(`script-src ${hashes.join(' ')};`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    // The page script asks its own origin for its events, nothing else.
    expect(scripts[1]).toMatch(/new EventSource\(["']\/events["']\)/);
  });

  it('loads nothing by URL: no src or href in its markup but the empty icon', () => {
    const markup = page.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
    expect(markup).not.toMatch(/\ssrc=/);
    expect([...markup.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1])).toEqual(['data:,']);
  });

  it('escapes the title', () => {
    expect(page).toContain('<title>infermark live: &#60;model&#62; &#38; &#34;q&#34;</title>');
  });
});
