// infermark's version, as its package.json says (exports and `--version` print it).
import { readFileSync } from 'node:fs';
import { embeddedAssets } from './embedded-assets.js';

let cached: string | null = null;

/** The package version, read from the package.json next to `dist/` or `ts/src/` (or built into the single executable). */
export function packageVersion(): string {
  cached ??= embeddedAssets()?.version ?? readVersion();
  return cached;
}

function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'infermark' && pkg.version) return pkg.version;
    } catch {
      // not at this level; try the next one up
    }
  }
  return '0.0.0';
}
