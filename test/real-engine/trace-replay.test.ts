// Trace replay against llama.cpp's llama-server: the assumptions a mock cannot prove. The server's
// own tokenizer must count each materialised prompt at exactly its row's input_length (block
// boundaries are hard token boundaries, docs/synthesis.md §6.1), rows that share leading hash ids
// must share a prompt prefix the server's prompt cache reuses, the fixed schedule must hold against
// a real server, and a multi-turn session must carry the replies the server actually gave.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactRoot, CHAT_TEMPLATE_TOKENS, metric, profileCli, type RealServer, startRealServer } from '../helpers/real-server.js';

let server: RealServer;
const artifacts = artifactRoot();
beforeAll(async () => {
  server = await startRealServer({ parallel: 4 });
});
afterAll(async () => {
  await server?.stop();
  artifacts.remove();
});

interface RawLine {
  metadata: { trace_line: number; scheduled_ns: number; request_start_ns: number; requested_isl: number };
  responses: Array<{ data: string }>;
}

function rawLines(dir: string): RawLine[] {
  return readFileSync(join(dir, 'profile_export_raw.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as RawLine)
    .sort((a, b) => a.metadata.trace_line - b.metadata.trace_line);
}

describe('a Mooncake trace replayed on its timestamps (block size 64, completions)', () => {
  // Rows 1–3 share block 1 (rows 1 and 2 also block 2); row 4 shares nothing. Last blocks are
  // partial (200 = 3·64 + 8, 150 = 2·64 + 22, 90 = 64 + 26) or exact (128 = 2·64).
  const TRACE = [
    '{"timestamp": 0, "input_length": 200, "output_length": 4, "hash_ids": [1, 2, 3, 4]}',
    '{"timestamp": 400, "input_length": 150, "output_length": 4, "hash_ids": [1, 2, 5]}',
    '{"timestamp": 800, "input_length": 128, "output_length": 4, "hash_ids": [1, 6]}',
    '{"timestamp": 1200, "input_length": 90, "output_length": 4, "hash_ids": [7, 8]}',
  ];
  const dir = `${artifacts.dir}/mooncake`;
  let lines: RawLine[] = [];
  let usage: Array<{ prompt_tokens: number; cached: number }> = [];

  beforeAll(async () => {
    const file = join(artifacts.dir, 'mooncake.jsonl');
    writeFileSync(file, `${TRACE.join('\n')}\n`);
    const run = await profileCli(server, dir, [
      '--endpoint-type',
      'completions',
      '--input-file',
      file,
      '--block-size',
      '64',
      '--extra-inputs',
      'ignore_eos:true',
      '--export-level',
      'raw',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.records.filter((r) => r.error)).toEqual([]);
    lines = rawLines(dir);
    usage = lines.map((l) => {
      const body = JSON.parse(l.responses.at(-1)!.data) as {
        usage: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } };
      };
      return { prompt_tokens: body.usage.prompt_tokens, cached: body.usage.prompt_tokens_details?.cached_tokens ?? 0 };
    });
  });

  it("has the server count every prompt at exactly its row's input_length", () => {
    expect(usage.map((u) => u.prompt_tokens)).toEqual([200, 150, 128, 90]);
  });

  it('has the server reuse the blocks rows share from its prompt cache', () => {
    // Row 2 continues row 1's first two blocks (128 tokens), row 3 its first block (64 tokens);
    // llama.cpp may keep back the last token of a match, so a reuse of at least one token less
    // still shows the texts agree.
    expect(usage[1]!.cached).toBeGreaterThanOrEqual(127);
    expect(usage[2]!.cached).toBeGreaterThanOrEqual(63);
    expect(usage[3]!.cached).toBeLessThan(64);
  });

  it('sends each row within a few ms of its timestamp', () => {
    const zero = lines[0]!.metadata.scheduled_ns;
    expect(lines.map((l) => Math.round((l.metadata.scheduled_ns - zero) / 1e6))).toEqual([0, 400, 800, 1200]);
    for (const l of lines) expect((l.metadata.request_start_ns - l.metadata.scheduled_ns) / 1e6).toBeLessThan(20);
  });
});

describe('a multi_turn file (chat)', () => {
  it("sends each later turn with the history: earlier turns and the server's own replies", async () => {
    const file = join(artifacts.dir, 'sessions.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({
        session_id: 's1',
        turns: [
          { text: 'Tell me about the sea.', output_length: 8 },
          { text: 'And the mountains?', output_length: 8, delay: 100 },
          { text: 'Which is older?', output_length: 8, delay: 100 },
        ],
      })}\n`,
    );
    const dir = `${artifacts.dir}/sessions`;
    const run = await profileCli(server, dir, ['--endpoint-type', 'chat', '--input-file', file, '--extra-inputs', 'ignore_eos:true']);
    expect(run.status, run.stderr).toBe(0);
    const turns = [...run.records].sort((a, b) => a.metadata.request_num - b.metadata.request_num);
    expect(turns).toHaveLength(3);
    const prompt = turns.map((r) => metric(r, 'usage_prompt_tokens')!);
    const reply = turns.map((r) => metric(r, 'usage_completion_tokens')!);
    expect(reply).toEqual([8, 8, 8]);
    // Each turn's prompt holds the previous prompt, its reply and the new user message (with
    // their template tokens), so it grows by more than the reply every turn.
    expect(prompt[0]).toBeGreaterThan(CHAT_TEMPLATE_TOKENS);
    expect(prompt[1]! - prompt[0]!).toBeGreaterThan(reply[0]!);
    expect(prompt[2]! - prompt[1]!).toBeGreaterThan(reply[1]!);
  });
});
