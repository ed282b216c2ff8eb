// The worker's `hash-prompts` job: the bundled Qwen3 tokenizer (./hash-prompts-tokenizer.browser.ts)
// and the CLI's pipeline (./hash-prompts-job.browser.ts), the output collected as a Blob.
import { hashPromptsJobOptions, runHashPromptsJob } from './hash-prompts-job.browser.js';
import { bundledQwen3 } from './hash-prompts-tokenizer.browser.js';
import type { JobRunner } from './protocol.browser.js';
import { blobSink, streamSource } from './synth-byte-io.browser.js';
import { cancellable, coreMemory, throttled, wasmBackend } from './synth-worker-backend.browser.js';

export const runHashPromptsWorkerJob: JobRunner<'hash-prompts'> = async (request, { signal, progress }) => {
  const options = hashPromptsJobOptions(request.form);
  const [backend, tokenizer] = await Promise.all([wasmBackend(), bundledQwen3()]);
  const totalBytes = request.file.size;
  const post = throttled((bytes: number, rows: number) => progress({ bytes, rows, totalBytes, memoryBytes: coreMemory() }));
  const sink = blobSink();
  const { result, messages } = await runHashPromptsJob(
    backend,
    tokenizer,
    cancellable(streamSource(request.file), signal),
    sink,
    options,
    (rows, bytes) => post(false, bytes, rows),
  );
  post(true, totalBytes, result.rows);
  return { result, messages, output: sink.blob() };
};
