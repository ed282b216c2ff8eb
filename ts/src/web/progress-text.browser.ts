// The progress line under the bar: percent, MB read of the total, rows, MB/s and rows/s.
import { formatCount, formatDecimal } from '../report/decimal-format.js';
import type { JobProgress } from './protocol.browser.js';

export function progressText(p: JobProgress, seconds: number): string {
  const fraction = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 1;
  const mb = (n: number): string => formatDecimal(n / 1e6, 1);
  const s = Math.max(seconds, 1e-9);
  return `${formatDecimal(fraction * 100, 0)}%  ${mb(p.bytes)}/${mb(p.totalBytes)} MB  ${formatCount(p.rows)} rows  ${mb(p.bytes / s)} MB/s  ${formatCount(Math.round(p.rows / s))} rows/s${p.memoryBytes !== undefined ? `  WASM memory ${mb(p.memoryBytes)} MB` : ''}`;
}
