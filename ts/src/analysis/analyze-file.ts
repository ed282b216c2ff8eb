// A trace file streamed through the core's analyzer (docs/trace-analysis.md §8): the library call
// behind `analyze-trace`; never holds the whole file.
import { fileSource } from '../io/chunked-reader.js';
import { TraceAnalyzer, type TraceAnalyzerOptions } from '../trace-core/analyzer.js';

export interface AnalyzeFileOptions extends Omit<TraceAnalyzerOptions, 'sourceName'> {
  /** Called after every chunk with the bytes consumed, the rows parsed and the file size. */
  onProgress?(bytes: number, rows: number, totalBytes: number): void;
}

/**
 * Analyse the trace at `path`; resolves to the exact analysis.json text and the finished
 * analyzer (skip summary, warnings, backend). `path` is FILE in every message. A missing or
 * unreadable file is a `UsageError`; an invalid row (strict mode) a `TraceCoreError`.
 */
export async function analyzeTraceFile(path: string, options: AnalyzeFileOptions = {}): Promise<{ json: string; analyzer: TraceAnalyzer }> {
  const { onProgress, ...analyzerOptions } = options;
  const source = fileSource(path);
  const total = source.size ?? 0;
  const analyzer = new TraceAnalyzer({ ...analyzerOptions, sourceName: path });
  await source.forEachChunk((chunk) => {
    analyzer.push(chunk);
    onProgress?.(analyzer.bytesConsumed, analyzer.rowsParsed, total);
  });
  return { json: analyzer.finishJson(), analyzer };
}
