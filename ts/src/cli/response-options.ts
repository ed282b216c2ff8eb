// The flags of per-chunk token counting and the outputs.json export (docs/cli.md §3.11), AIPerf
// 0.13's names, kept apart from profile's main table.
import type { ResponseOptions } from '../config/response-config.js';
import type { OptionSpec } from './option-table.js';

export const RESPONSE_OPTIONS: readonly OptionSpec<ResponseOptions>[] = [
  {
    key: 'perChunkUsage',
    flags: '--per-chunk-usage',
    description:
      'ask for stream_options.continuous_usage_stats and take ITL and TPS per user from the per-chunk token counts (needs --streaming)',
  },
  {
    key: 'exportOutputsJson',
    flags: '--export-outputs-json',
    description: 'write the generated text of every profiling request to outputs.json',
  },
];
