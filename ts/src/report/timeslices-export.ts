// `profile_export_aiperf_timeslices.json` (docs/exports.md §6): the slices, their length and the
// redacted configuration; written by `profile` and by `merge`.
import type { TimeSlice } from '../metrics/timeslices.js';
import { jf, toJson, type JsonValue } from './json-writer.js';
import { blocksJson } from './summary-json.js';

/** The JSON text (2-space indent, trailing newline), before secret scrubbing. */
export function timeslicesJson(slices: readonly TimeSlice[], sliceSeconds: number, inputConfig: Record<string, JsonValue>): string {
  const doc = {
    timeslices: slices.map((s) => ({
      timeslice_index: s.timesliceIndex,
      start_ns: s.startNs,
      end_ns: s.endNs,
      is_complete: s.isComplete,
      ...blocksJson(s.blocks),
    })),
    slice_duration_seconds: jf(sliceSeconds),
    input_config: inputConfig,
  };
  return `${toJson(doc, 2)}\n`;
}
