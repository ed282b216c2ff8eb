// SVG to PNG without a browser: resvg with the DejaVu fonts of the `dejavu-fonts-ttf` package and
// no system fonts, so the text of a PNG is the same on every machine.
import { createRequire } from 'node:module';
import { FONT_FAMILY } from './chart-style.js';

const require = createRequire(import.meta.url);

// The rasteriser is a native module: loaded on the first PNG, not by every command that starts.
type ResvgClass = typeof import('@resvg/resvg-js').Resvg;
let resvgClass: ResvgClass | null = null;
function Resvg(): ResvgClass {
  resvgClass ??= (require('@resvg/resvg-js') as typeof import('@resvg/resvg-js')).Resvg;
  return resvgClass;
}

/** The font files, resolved through the package (not a fixed node_modules path). */
let fontFiles: string[] | null = null;
function fonts(): string[] {
  fontFiles ??= ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`));
  return fontFiles;
}

/** The PNG bytes of an SVG, at the SVG's own size. */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new (Resvg())(svg, {
    font: { loadSystemFonts: false, fontFiles: fonts(), defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}
