// A Blob read chunk by chunk through `Blob.stream()`: only one chunk is held at a time, so a
// multi-GB trace is analysed in bounded memory (the requirement for the web app).
import { throwIfCancelled } from './cancelled.browser.js';

/** Call `onChunk` with each chunk of `blob` in order; stops (rejecting with `JobCancelled`) when `signal` aborts. */
export async function forEachBlobChunk(blob: Blob, signal: AbortSignal, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const reader = blob.stream().getReader();
  try {
    for (;;) {
      throwIfCancelled(signal);
      const { done, value } = await reader.read();
      if (done) return;
      onChunk(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
