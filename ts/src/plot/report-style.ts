// The report page's styles (report-html.ts), light and dark by the body's class (`--theme`).
// System fonts only: a web font would be a request, or hundreds of kilobytes inlined.
export const REPORT_CSS = `
body.light { --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --head: #f6f8fa; --accent: #0969da; }
body.dark { --bg: #15171c; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --head: #22262e; --accent: #4493f8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
header { padding: 12px 24px; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 17px; margin: 24px 0 8px; word-break: break-all; }
h3 { font-size: 15px; margin: 16px 0 6px; }
main { padding: 0 24px 48px; }
nav .picker { display: flex; flex-wrap: wrap; gap: 6px 18px; }
nav label { word-break: break-all; }
nav .buttons { margin-top: 6px; }
button, select { background: var(--head); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; padding: 2px 10px; }
section { border-top: 1px solid var(--line); margin-top: 16px; }
.meta { color: var(--muted); word-break: break-all; margin: 0; }
table { border-collapse: collapse; margin: 4px 0 8px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: right; }
thead th { background: var(--head); }
tbody th { text-align: left; font-weight: normal; }
table.errors td:nth-child(3) { text-align: left; white-space: pre-wrap; word-break: break-word; max-width: 60ch; }
pre { background: var(--head); border: 1px solid var(--line); padding: 8px; overflow: auto; max-height: 480px; }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
.none { color: var(--muted); }
.notes { color: var(--muted); margin: 4px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
figure { margin: 0; }
figcaption { font-weight: 600; margin: 8px 0 4px; }
.chart { width: 100%; height: 440px; }
`;
