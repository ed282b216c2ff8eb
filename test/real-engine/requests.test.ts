// Against llama.cpp's llama-server as released: every request of a run succeeds, and the prompt
// and output lengths are the ones asked for, by infermark's count and by the server's, on both
// endpoints, streaming or not, at concurrency 1, 8 and 16 (the server has 8 slots, so at 16 it
// also queues).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  artifactRoot,
  CHAT_TEMPLATE_TOKENS,
  type CliRun,
  metric,
  profileCli,
  type RealServer,
  type RecordLine,
  startRealServer,
} from '../helpers/real-server.js';

// Short requests keep the suite quick (the tiny model prefills ~3,400 tokens/s and decodes
// ~100 tokens/s per slot on one thread); the prompts still span many words, so a prompt that
// comes out a token short shows up.
const ISL = 128;
const OSL = 4;

let server: RealServer;
const artifacts = artifactRoot();
beforeAll(async () => {
  server = await startRealServer();
});
afterAll(async () => {
  await server?.stop();
  artifacts.remove();
});

const configs = (['chat', 'completions'] as const).flatMap((endpoint) =>
  [true, false].flatMap((streaming) => [1, 8, 16].map((concurrency) => ({ endpoint, streaming, concurrency }))),
);

const describeRequest = (r: RecordLine): string => `request ${r.metadata.request_num}`;

describe.each(configs)('$endpoint, streaming $streaming, concurrency $concurrency', ({ endpoint, streaming, concurrency }) => {
  // Enough requests that every slot reuses its connection a few times.
  const requests = Math.max(12, 2 * concurrency);
  let run: CliRun;
  beforeAll(async () => {
    run = await profileCli(server, `${artifacts.dir}/${endpoint}-${streaming ? 'stream' : 'json'}-c${concurrency}`, [
      '--endpoint-type',
      endpoint,
      ...(streaming ? ['--streaming'] : []),
      '--concurrency',
      String(concurrency),
      '--request-count',
      String(requests),
      '--isl',
      String(ISL),
      '--osl',
      String(OSL),
      '--extra-inputs',
      'ignore_eos:true',
      // Other prompts in every configuration: more chances for a prompt of the wrong length.
      '--random-seed',
      String(configs.findIndex((c) => c.endpoint === endpoint && c.streaming === streaming && c.concurrency === concurrency) + 1),
    ]);
  });

  it('completes every request without an error', () => {
    expect(run.records).toHaveLength(requests);
    expect(run.records.filter((r) => r.error).map((r) => `${describeRequest(r)}: ${r.error!.type}: ${r.error!.message}`)).toEqual([]);
    expect(run.status, run.stderr).toBe(0);
  });

  it('counts every record exactly: no record carries token_counts_estimated', () => {
    expect(run.records.filter((r) => 'token_counts_estimated' in r.metadata).map(describeRequest)).toEqual([]);
  });

  it('sends prompts of exactly --isl tokens, by its own count and by the server usage', () => {
    // Chat: the server counts the chat template's tokens too.
    const serverIsl = endpoint === 'chat' ? ISL + CHAT_TEMPLATE_TOKENS : ISL;
    const wrong = run.records
      .filter((r) => !r.error)
      .filter(
        (r) =>
          r.metadata.requested_isl !== ISL || metric(r, 'input_sequence_length') !== ISL || metric(r, 'usage_prompt_tokens') !== serverIsl,
      )
      .map(
        (r) =>
          `${describeRequest(r)}: requested ${r.metadata.requested_isl}, counted ${metric(r, 'input_sequence_length')}, ` +
          `server usage ${metric(r, 'usage_prompt_tokens')} (expected ${ISL} and ${serverIsl})`,
      );
    expect(wrong).toEqual([]);
  });

  it('receives exactly --osl tokens with ignore_eos, by the server usage and by its own count', () => {
    // On chat the server strips the leading space of the first output word, and infermark counts
    // output tokens by tokenizing the text: a word of the model's output vocabulary (a leading
    // space and 2+ lowercase letters) is 1–5 tokens without its space, so chat counts OSL to
    // OSL + 4 (../shared/real-server/README.md). Completions return the text as generated.
    const most = endpoint === 'chat' ? OSL + 4 : OSL;
    const wrong = run.records
      .filter((r) => !r.error)
      .filter((r) => {
        const counted = metric(r, 'output_sequence_length') ?? Number.NaN;
        return r.metadata.requested_osl !== OSL || metric(r, 'usage_completion_tokens') !== OSL || !(counted >= OSL && counted <= most);
      })
      .map(
        (r) =>
          `${describeRequest(r)}: requested ${r.metadata.requested_osl}, server usage ${metric(r, 'usage_completion_tokens')}, ` +
          `counted ${metric(r, 'output_sequence_length')}`,
      );
    expect(wrong).toEqual([]);
  });
});
