// Jobs for driving the mock's latency models directly (without HTTP), on a virtual clock.
import type { Job } from '../../../ts/src/server/job.js';

/** Request `num` submitted to the model at `submittedAt` with prompt ids `firstId … firstId + promptTokens − 1`. */
export function jobOf(
  num: number,
  submittedAt: number,
  firstId: number,
  promptTokens: number,
  outputTokens: number,
  onStep: (tokens: number, now: number, done: boolean) => boolean,
  stream = true,
): Job {
  return {
    num,
    stream,
    promptTokens,
    outputTokens,
    promptIds: Array.from({ length: promptTokens }, (_, i) => firstId + i),
    outputIds: new Uint32Array(outputTokens),
    submittedAt,
    replica: -1,
    cachedTokens: 0,
    admittedAt: -1,
    onStep,
  };
}
