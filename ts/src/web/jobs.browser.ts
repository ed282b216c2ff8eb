// Which module runs each job kind of the worker protocol (protocol.browser.ts).
import { runAnalyzeJob } from './analyze-job.browser.js';
import { runHashPromptsWorkerJob } from './hash-prompts-worker-job.browser.js';
import { runSynthesizeWorkerJob } from './synthesize-worker-job.browser.js';
import type { JobKind, JobRunner } from './protocol.browser.js';

export const JOBS: { [K in JobKind]: JobRunner<K> } = {
  analyze: runAnalyzeJob,
  synthesize: runSynthesizeWorkerJob,
  'hash-prompts': runHashPromptsWorkerJob,
};
