// Issue 16 defect 4: Node fires a setTimeout beyond 2^31 − 1 ms (about 24.8 days) after 1 ms, with
// a TimeoutOverflowWarning. A `--request-cancellation-delay` of 34.7 days cancelled every request
// at once, and a serve-mock `--ttft` of 34.7 days answered at once. Both are now waited in full
// (ts/src/long-timeout.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type ChildServer } from '../helpers/child-server.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';

/** 3,000,000 s: 34.7 days, beyond the 24.8 days one Node timer can wait. */
const LONG_SECONDS = 3_000_000;

const dir = workDirectory('infermark-long-delays-');

describe('a cancellation delay longer than one Node timer', () => {
  let server: FaultServer;
  beforeAll(async () => {
    // Each answer takes 300 ms: a cancellation that fired at once would abort it.
    server = await startFaultServer({ kind: 'slow-start', delayMs: 300, tokens: 3 });
  });
  afterAll(async () => {
    await server.close();
  });

  for (const workers of ['1', '2']) {
    it(`does not cancel a request before the delay (--workers ${workers})`, async () => {
      const r = await runProfileCli(
        [
          '-m',
          'm',
          '--url',
          server.url,
          '--streaming',
          '--ui',
          'none',
          '--request-count',
          '4',
          '--concurrency',
          '2',
          '--workers',
          workers,
          '--request-cancellation-rate',
          '100',
          '--request-cancellation-delay',
          String(LONG_SECONDS),
          '--artifact-dir',
          `w${workers}`,
        ],
        dir,
      );
      expect(r.stderr).not.toContain('TimeoutOverflowWarning');
      expect(r.status).toBe(0);
      const records = readFileSync(join(dir, `w${workers}`, 'profile_export.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { metadata: { was_cancelled: boolean }; error: unknown });
      expect(records).toHaveLength(4);
      expect(records.map((rec) => [rec.metadata.was_cancelled, rec.error])).toEqual(Array(4).fill([false, null]));
    }, 60_000);
  }
});

describe('a serve-mock latency longer than one Node timer', () => {
  let mock: ChildServer;
  beforeAll(async () => {
    mock = await startMockProcess(['--latency-model', 'simple', '--ttft', String(LONG_SECONDS * 1000), '--itl', '0']);
  });
  afterAll(async () => {
    await mock.stop();
  });

  it('does not answer at once: no first token within a second of a TTFT of 34.7 days', async () => {
    const controller = new AbortController();
    const answered = fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
      signal: controller.signal,
    }).then(
      (res) => res.text().then(() => 'answered'),
      () => 'still waiting',
    );
    const waited = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 1000));
    const first = await Promise.race([answered, waited]);
    controller.abort();
    expect(first).toBe('still waiting');
    expect(mock.stderr()).not.toContain('TimeoutOverflowWarning');
  });
});
