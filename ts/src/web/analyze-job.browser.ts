// The `analyze` job: a trace streamed through the core's TraceAnalyzer, as `analyze-trace` does
// (ts/src/analysis/analyze-file.ts), with the same JSON and warning lines.
import type { AnalysisReport } from '../trace-core/report.js';
import { forEachBlobChunk } from './blob-chunks.browser.js';
import type { JobRunner } from './protocol.browser.js';
import { TraceShapeReader } from './trace-shape.browser.js';
import { coreMemoryBytes, loadCore, TraceAnalyzer } from './wasm-core.browser.js';

export const runAnalyzeJob: JobRunner<'analyze'> = async (request, { signal, progress }) => {
  await loadCore();
  const analyzer = new TraceAnalyzer({ blockSize: request.blockSize, skipInvalid: request.skipInvalid, sourceName: request.sourceName });
  try {
    const totalBytes = request.file.size;
    let lastPost = 0;
    const shape = new TraceShapeReader();
    await forEachBlobChunk(request.file, signal, (chunk) => {
      analyzer.push(chunk);
      shape.push(chunk);
      // A few progress messages a second are enough for the bar and cost nothing.
      const now = performance.now();
      if (now - lastPost > 100) {
        lastPost = now;
        progress({ bytes: analyzer.bytesConsumed, rows: analyzer.rowsParsed, totalBytes, memoryBytes: coreMemoryBytes() });
      }
    });
    const json = analyzer.finishJson();
    progress({ bytes: analyzer.bytesConsumed, rows: analyzer.rowsParsed, totalBytes, memoryBytes: coreMemoryBytes() });
    const warnings = [analyzer.skippedWarning(request.sourceName), analyzer.inconsistentWarning()].filter(
      (w): w is string => typeof w === 'string' && w !== '',
    );
    return { json, report: JSON.parse(json) as AnalysisReport, warnings, shape: shape.finish() };
  } finally {
    analyzer.free();
  }
};
