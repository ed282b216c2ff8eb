// `profile --endpoint-type responses | messages | huggingface-generate | template` end to end
// against serve-mock (docs/cli.md §3.1.1, docs/serve-mock.md §2): the built CLI sends each API's
// body to its path, reads its events or body, takes the token counts from the API's usage, and
// records the API's error answers with their messages.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../ts/src/server/index.js';
import { runProfileCli, workDirectory } from '../helpers/profile-process.js';
import { closedAfterEachTest } from '../helpers/server-lifecycle.js';

const dir = workDirectory('infermark-endpoint-types-');
const keep = closedAfterEachTest();

interface RecordLine {
  metadata: { benchmark_phase: string };
  metrics: Record<string, { value: number } | undefined>;
  error: { code: number | null; type: string; message: string } | null;
}

function records(out: string): RecordLine[] {
  return readFileSync(join(out, 'profile_export.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RecordLine)
    .filter((r) => r.metadata.benchmark_phase === 'profiling');
}

const mock = async (options: { errorRate?: number; streamErrorRate?: number } = {}) =>
  keep(await startMockServer({ port: 0, latencyModel: 'none', log: () => undefined, ...options }));

const profile = (url: string, out: string, args: string[]) =>
  runProfileCli(
    ['-m', 'mock-model', '--url', url, '--request-count', '3', '--isl', '40', '--osl', '6', '--ui', 'none', '--artifact-dir', out, ...args],
    dir,
  );

// One CLI run per type (each takes seconds); non-streaming answers and the error shapes of each API
// are covered in process by test/e2e/endpoint-types-engine.test.ts.
describe.each(['responses', 'messages', 'huggingface-generate'])('--endpoint-type %s --streaming against serve-mock', (type) => {
  it('answers every request with the asked output length, with TTFT and the API-reported counts', async () => {
    const server = await mock();
    const out = join(dir, type);
    const r = await profile(server.url, out, ['--endpoint-type', type, '--streaming']);
    expect(r.status, r.stderr).toBe(0);
    const recs = records(out);
    expect(recs.map((x) => x.error)).toEqual([null, null, null]);
    for (const rec of recs) {
      expect(rec.metrics.output_sequence_length?.value).toBe(6);
      expect(rec.metrics.time_to_first_token).toBeDefined();
      expect(rec.metrics.inter_token_latency).toBeDefined();
      // TGI reports only the generated count; the other two also the prompt's.
      expect(rec.metrics.usage_completion_tokens?.value).toBe(6);
      expect(rec.metrics.usage_prompt_tokens !== undefined).toBe(type !== 'huggingface-generate');
    }
    const path = type === 'responses' ? '/v1/responses' : type === 'messages' ? '/v1/messages' : '/generate_stream';
    expect(Object.keys(server.stats())).toEqual([path]);
  });
});

describe('--endpoint-type template', () => {
  const template = '{"model": "{{ model }}", "prompt": {{ text|tojson }}, "max_tokens": {{ max_tokens }}, "stream": {{ stream }}}';

  it('sends the rendered template and reads the text at response_field of each streamed event', async () => {
    const streaming = true;
    const server = await mock();
    const file = join(dir, 'completions-template.json');
    writeFileSync(file, template);
    const out = join(dir, `template-${streaming}`);
    const r = await profile(server.url, out, [
      '--endpoint-type',
      'template',
      '--endpoint',
      '/v1/completions',
      '--extra-inputs',
      `payload_template:${file}`,
      '--extra-inputs',
      'response_field:choices[0].text',
      ...(streaming ? ['--streaming'] : []),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const recs = records(out);
    expect(recs.map((x) => x.error)).toEqual([null, null, null]);
    for (const rec of recs) {
      expect(rec.metrics.output_sequence_length?.value).toBe(6);
      expect(rec.metrics.input_sequence_length?.value).toBe(40);
      expect(rec.metrics.time_to_first_token !== undefined).toBe(streaming);
    }
    // The template's settings are not sent as body fields.
    const sent = JSON.parse(readFileSync(join(out, 'inputs.json'), 'utf8')) as { data: { payloads: Record<string, unknown>[] }[] };
    expect(Object.keys(sent.data[0]!.payloads[0]!).sort()).toEqual(['max_tokens', 'model', 'prompt', 'stream']);
  });

  it("records the server's 400 (Anthropic's shape) with its message when the template leaves out what the API requires", async () => {
    const server = await mock();
    const out = join(dir, 'template-400');
    const r = await profile(server.url, out, [
      '--endpoint-type',
      'template',
      '--endpoint',
      '/v1/messages',
      '--extra-inputs',
      'payload_template:{"model": "{{ model }}", "messages": [{"role": "user", "content": "{{ text }}"}]}',
    ]);
    expect(r.status).toBe(1);
    expect(records(out).map((x) => [x.error?.code, x.error?.message])).toEqual(Array(3).fill([400, 'max_tokens: Field required']));
  });

  it('refuses a template with an unknown variable before sending anything (exit 2)', async () => {
    const server = await mock();
    const r = await profile(server.url, join(dir, 'template-bad'), [
      '--endpoint-type',
      'template',
      '--extra-inputs',
      'payload_template:{"p": "{{ prompt_text }}"}',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown variable 'prompt_text'");
    expect(server.stats()).toEqual({});
  });
});

describe('a non-streaming run without --artifact-dir', () => {
  it('has no TTFT, and writes valid exports to a directory named after the endpoint type', async () => {
    const server = await mock();
    const r = await runProfileCli(
      [
        '-m',
        'mock-model',
        '--url',
        server.url,
        '--endpoint-type',
        'huggingface-generate',
        '--request-count',
        '2',
        '--isl',
        '20',
        '--osl',
        '3',
        '--ui',
        'none',
      ],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    const run = join(dir, 'artifacts', 'mock-model-openai-huggingface-generate-concurrency1');
    const summary = JSON.parse(readFileSync(join(run, 'profile_export_aiperf.json'), 'utf8')) as {
      input_config: { endpoint: { type: string } };
    };
    expect(summary.input_config.endpoint.type).toBe('huggingface-generate');
    const recs = records(run);
    expect(recs.map((x) => x.error)).toEqual([null, null]);
    expect(recs.map((x) => [x.metrics.output_sequence_length?.value, x.metrics.time_to_first_token])).toEqual(
      Array(2).fill([3, undefined]),
    );
    expect(existsSync(join(run, 'profile_export_aiperf.csv'))).toBe(true);
  });
});
