// `merge` moves a record of a shard whose clock was off onto the common timeline: the stamps of its
// `trace_data` (docs/exports.md §3.4) move with the metadata's, its durations do not.
import { describe, expect, it } from 'vitest';
import { parseRecordLine } from '../../../ts/src/merge/record-line.js';

const T = 1_796_000_000_000_000_000n;
const OFFSET = 7_000_000_000n;

const line =
  `{"metadata":{"request_num":0,"x_request_id":"r","request_start_ns":${T},"request_ack_ns":${T + 5n},"request_end_ns":${T + 9n},` +
  `"benchmark_phase":"profiling","clock_offset_ns":${OFFSET}},"metrics":{"request_latency":{"value":9.0e-6,"unit":"ms"}},` +
  `"trace_data":{"trace_type":"undici","request_send_start_ns":${T},"request_headers":{"x":"[1,2]"},"request_headers_sent_ns":${T + 1n},` +
  `"request_chunks":[[${T + 2n},42]],"request_send_end_ns":${T + 2n},"response_headers_received_ns":${T + 5n},` +
  `"response_chunks":[[${T + 5n},10],[${T + 9n},20]],"response_receive_end_ns":${T + 9n},"tcp_connect_start_ns":${T},` +
  `"tcp_connect_end_ns":${T + 1n},"sending_ns":2,"duration_ns":9,"connecting_ns":1},"error":null}`;

describe('a traced record merged from a shard with a clock offset', () => {
  it('moves every trace instant and chunk stamp by the offset, and leaves durations, sizes and headers alone', () => {
    const parsed = parseRecordLine(line);
    if ('skip' in parsed) throw new Error(parsed.skip);
    const moved = (n: bigint): string => String(T + n + OFFSET);
    expect(parsed.line).toBe(
      `{"metadata":{"request_num":0,"x_request_id":"r","request_start_ns":${moved(0n)},"request_ack_ns":${moved(5n)},"request_end_ns":${moved(9n)},` +
        `"benchmark_phase":"profiling","clock_offset_ns":0},"metrics":{"request_latency":{"value":9.0e-6,"unit":"ms"}},` +
        `"trace_data":{"trace_type":"undici","request_send_start_ns":${moved(0n)},"request_headers":{"x":"[1,2]"},"request_headers_sent_ns":${moved(1n)},` +
        `"request_chunks":[[${moved(2n)},42]],"request_send_end_ns":${moved(2n)},"response_headers_received_ns":${moved(5n)},` +
        `"response_chunks":[[${moved(5n)},10],[${moved(9n)},20]],"response_receive_end_ns":${moved(9n)},"tcp_connect_start_ns":${moved(0n)},` +
        `"tcp_connect_end_ns":${moved(1n)},"sending_ns":2,"duration_ns":9,"connecting_ns":1},"error":null}`,
    );
  });
});
