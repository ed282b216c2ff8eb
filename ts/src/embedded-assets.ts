// The seam between infermark and the single-file executable (docs/single-executable.md): the
// files the npm package reads from its installation (the WASM core, worker entries, the corpus,
// bundled tokenizers) are, in the executable, embedded in it. This module is the npm build's
// side of the seam and says "nothing is embedded", so every caller resolves its files as usual;
// scripts/build-sea.mjs swaps it for ts/sea/embedded-assets.ts, which extracts them on first use.

/** Files embedded in the running program, by their path in the package (e.g. `ts/assets/corpus.txt`). */
export interface EmbeddedAssets {
  /** The package version the executable was built from (no package.json lies next to it). */
  readonly version: string;
  /**
   * A readable path of the embedded file `name`, written out on first use, or null when the
   * executable does not embed it (e.g. the native addon, which it leaves out).
   */
  file(name: string): string | null;
}

/** The running program's embedded files: null in the npm package, where they lie in the installation. */
export function embeddedAssets(): EmbeddedAssets | null {
  return null;
}

/** What a feature the executable leaves out says when used there. */
export function notInSingleExecutable(feature: string): string {
  return `${feature}: not part of the single-file executable (docs/single-executable.md); use the npm package for it`;
}
