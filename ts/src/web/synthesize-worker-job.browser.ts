// The worker's `synthesize` job: the form checked and run as `infermark synthesize` runs it
// (./synthesize-job.browser.ts), the input streamed from the File, the output collected as a Blob.
import type { JobRunner } from './protocol.browser.js';
import { blobSink, streamSource } from './synth-byte-io.browser.js';
import { cancellable, coreMemory, throttled, wasmBackend } from './synth-worker-backend.browser.js';
import { runSynthesizeJob, synthesizeJobOptions } from './synthesize-job.browser.js';

export const runSynthesizeWorkerJob: JobRunner<'synthesize'> = async (request, { signal, progress }) => {
  const backend = await wasmBackend();
  const job = synthesizeJobOptions(backend, request.form);
  const size = request.file.size;
  // Transform reads the input twice (learn, then emit); generate reads it once, then writes rows.
  const passes = job.mode === 'transform' ? 2 : 1;
  const post = throttled((bytes: number, rows: number) => progress({ bytes, rows, totalBytes: passes * size, memoryBytes: coreMemory() }));
  const sink = blobSink();
  const result = await runSynthesizeJob(backend, cancellable(streamSource(request.file), signal), sink, job, (phase, done) => {
    if (phase === 'learn') post(false, done, 0);
    else if (phase === 'emit') post(false, size + done, 0);
    else post(false, size, done);
  });
  const output = sink.blob();
  post(true, passes * size, result.outputAnalysis?.total_requests ?? 0);
  return { ...result, output };
};
