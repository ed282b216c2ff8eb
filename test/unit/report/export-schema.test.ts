// The e2e validators must accept real artifacts and reject broken ones.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateArtifactDir, validateRecordLine, validateSummaryCsv, validateSummaryJson } from '../../helpers/export-schema.js';
import { workedExample } from '../metrics/fixtures.js';
import { openRun, tempDir } from '../profile/fixtures.js';

async function artifacts(): Promise<string> {
  const dir = tempDir();
  const run = await openRun(dir);
  for (const r of workedExample()) run.pipeline.record(r);
  await run.pipeline.finish();
  return dir;
}

describe('export validators', () => {
  it('accept a real run directory', async () => {
    expect(validateArtifactDir(await artifacts(), { exportLevel: 'raw' })).toEqual([]);
  });

  it('report missing files and leftover temporary files', async () => {
    const dir = await artifacts();
    writeFileSync(join(dir, '.profile_export_aiperf.json.tmp-1'), '{');
    expect(validateArtifactDir(dir, { exportLevel: 'raw', prefix: 'other' })).toEqual(
      expect.arrayContaining(['missing other.json', 'temporary file left: .profile_export_aiperf.json.tmp-1']),
    );
  });

  it('reject out-of-order metadata, non-finite stats, unredacted keys and metrics on failed records', async () => {
    const dir = await artifacts();
    const lines = readFileSync(join(dir, 'profile_export.jsonl'), 'utf8').trim().split('\n');
    const r1 = JSON.parse(lines[0]!) as { metadata: Record<string, unknown> };
    const { request_num, ...rest } = r1.metadata;
    expect(validateRecordLine(JSON.stringify({ ...r1, metadata: { ...rest, request_num } }))[0]).toMatch(/^metadata keys/);
    const failed = JSON.parse(lines[2]!) as Record<string, Record<string, unknown>>;
    failed['metrics']!['request_latency'] = { value: 1, unit: 'ms' };
    expect(validateRecordLine(JSON.stringify(failed))).toEqual(['failed record carries metrics request_latency']);

    const doc = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    doc['time_to_first_token']!['p99'] = null;
    (doc['input_config']!['endpoint'] as Record<string, unknown>)['api_key'] = 'sk-live';
    expect(validateSummaryJson(doc)).toEqual([
      'time_to_first_token.p99: not a finite number (null)',
      'input_config.endpoint.api_key not redacted',
    ]);
  });

  it('reject CSV with bare newlines or malformed numbers', () => {
    expect(validateSummaryCsv('Metric,avg,min,max,sum,p1,p5,p10,p25,p50,p75,p90,p95,p99,std\n\nMetric,Value\n')).toContain(
      'bare \\n line ending',
    );
    const bad =
      'Metric,avg,min,max,sum,p1,p5,p10,p25,p50,p75,p90,p95,p99,std\r\nX (ms),1.5,,,,,,,,,,,,,\r\n\r\nMetric,Value\r\nRequest Count,2\r\n';
    expect(validateSummaryCsv(bad)).toEqual(['section 1 row has a malformed number: X (ms),1.5,,,,,,,,,,,,,']);
  });
});
