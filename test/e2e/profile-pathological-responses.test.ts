// `infermark profile` against responses that used to be mishandled (issue 16): a huge single-word
// response (counted in bounded time, marked as an estimate), a stream that completes empty, and an
// unrequested gzip body.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateRecordLine } from '../helpers/export-schema.js';
import { startFaultServer, type Behaviour, type FaultServer } from '../helpers/fault-server.js';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-pathological-');
let server: FaultServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const lines = (path: string): Array<Record<string, any>> =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

async function profile(name: string, behaviour: Behaviour | ((i: number) => Behaviour), requests: number) {
  server = await startFaultServer(behaviour);
  const out = join(dir, name);
  const run = await runProfileCli(
    ['-m', 'm', '--url', server.url, '--streaming', '--concurrency', '1', '--request-count', String(requests), '--isl', '20'].concat([
      '--ui',
      'none',
      '--artifact-dir',
      out,
    ]),
    dir,
  );
  return { run, out, records: () => lines(join(out, 'profile_export.jsonl')) };
}

describe('profile against pathological responses', () => {
  it('counts a 2 MB single-word response as an estimate and says so in its record only (issue 16: a 1 MB word took 63 s)', async () => {
    const { run, out, records } = await profile('one-word', (i) => (i === 0 ? { kind: 'one-word', chars: 2_000_000 } : { kind: 'ok' }), 2);
    expect(run.status, run.stderr).toBe(0);
    const recs = records();
    const big = recs.find((r) => r.metadata.request_num === 0)!;
    const normal = recs.find((r) => r.metadata.request_num === 1)!;
    expect(big.error).toBeNull();
    expect(big.metadata.token_counts_estimated).toBe(true);
    // 2,000,000 copies of one letter: BPE's tokens hold several letters each, never one or a thousand.
    expect(big.metrics.output_token_count.value).toBeGreaterThan(2_000_000 / 64);
    expect(big.metrics.output_token_count.value).toBeLessThan(2_000_000);
    expect(normal.error).toBeNull();
    expect('token_counts_estimated' in normal.metadata).toBe(false);
    for (const line of readFileSync(join(out, 'profile_export.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')) {
      expect(validateRecordLine(line)).toEqual([]);
    }
  });

  it('reports a stream that completes without content as EmptyStreamError, in the records and the errors table', async () => {
    const { run, records } = await profile('empty', (i) => (i === 0 ? { kind: 'empty-done' } : { kind: 'ok' }), 2);
    expect(run.status, run.stderr).toBe(0);
    expect(
      records()
        .map((r) => r.error?.type ?? 'ok')
        .sort(),
    ).toEqual(['EmptyStreamError', 'ok']);
    expect(run.stdout).toContain('1 × 502 EmptyStreamError: stream completed without any content');
  });

  it('reports an unrequested gzip body as InvalidResponseError naming the encoding', async () => {
    const { run, records } = await profile('gzip', (i) => (i === 0 ? { kind: 'gzip' } : { kind: 'ok' }), 2);
    expect(run.status, run.stderr).toBe(0);
    expect(records().find((r) => r.metadata.request_num === 0)!.error).toEqual({
      code: 502,
      type: 'InvalidResponseError',
      message: 'server sent Content-Encoding: gzip, which was not requested (infermark does not decode compressed responses)',
    });
  });
});
