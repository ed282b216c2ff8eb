// The request of a file turn (ts/src/load/turn-plan.ts): history, system message, verbatim
// messages and payload rows, the row's extra (docs/cli.md §3.3).
import { describe, expect, it } from 'vitest';
import type { TurnContent } from '../../../ts/src/dataset/turn-source.js';
import { planFileTurn, type PlanIdentity } from '../../../ts/src/load/turn-plan.js';
import { endpointOf } from '../../helpers/engine-options.js';

const id: PlanIdentity = {
  index: 7,
  sessionNum: 3,
  turnIndex: 1,
  lastTurn: false,
  conversationId: 'conv',
  correlationId: 'corr',
  model: 'm',
};

function content(over: Partial<TurnContent>): TurnContent {
  return {
    line: 12,
    text: null,
    messages: null,
    tools: null,
    payload: null,
    extra: null,
    system: null,
    requestedIsl: null,
    requestedOsl: null,
    materialised: false,
    ...over,
  };
}

const history = [
  { user: 'u0', assistant: 'a0' },
  { user: 'u1', assistant: 'a1' },
];

describe('planFileTurn', () => {
  it('chat: the system message, the history with the responses received, then the turn', () => {
    const plan = planFileTurn(
      endpointOf('chat'),
      id,
      content({ text: 'now', system: 'sys', requestedIsl: 5, requestedOsl: 9, materialised: true }),
      history,
    );
    expect(plan.body.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'u0' },
      { role: 'assistant', content: 'a0' },
      { role: 'user', content: 'u1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'now' },
    ]);
    expect(plan.body.max_completion_tokens).toBe(9);
    expect(plan).toMatchObject({ traceLine: 12, materialised: true, requestedIsl: 5, requestedOsl: 9, historyChars: 0, clientIsl: null });
    expect(JSON.parse(plan.json)).toEqual(plan.body);
  });

  it('completions: the system text, then prompts and responses joined with newlines; historyChars is where the turn starts', () => {
    const plan = planFileTurn(endpointOf('completions'), id, content({ text: 'now', system: 'S: ' }), history);
    expect(plan.body.prompt).toBe('S: u0\na0\nu1\na1\nnow');
    expect(plan.historyChars).toBe('S: u0\na0\nu1\na1\n'.length);
    expect((plan.body.prompt as string).slice(plan.historyChars)).toBe('now');
    expect(planFileTurn(endpointOf('completions'), id, content({ text: 'first' }), []).historyChars).toBe(0);
  });

  it("merges --extra-inputs, then the row's extra over them", () => {
    const plan = planFileTurn(
      endpointOf('chat', { extra: { temperature: 0.5, top_p: 0.9 } }),
      id,
      content({ text: 'x', extra: { temperature: 0, seed: 3 } }),
      [],
    );
    expect(plan.body).toMatchObject({ temperature: 0, top_p: 0.9, seed: 3 });
  });

  it('sends a messages row verbatim as the messages of a chat body, with its tools, and no history', () => {
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ];
    const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];
    const plan = planFileTurn(endpointOf('chat'), id, content({ messages, tools, requestedOsl: 4, extra: { seed: 1 } }), history);
    expect(plan.body).toEqual({
      model: 'm',
      messages,
      tools,
      stream: true,
      max_completion_tokens: 4,
      stream_options: { include_usage: true },
      seed: 1,
    });
  });

  it('sends a payload row as given, with --extra-inputs and its extra merged, and parses the response as its body asks', () => {
    const payload = { model: 'their-model', prompt: 'p', max_tokens: 3, stream: false };
    const plan = planFileTurn(
      endpointOf('completions', { extra: { ignore_eos: true } }),
      id,
      content({ payload, extra: { top_k: 2 } }),
      history,
    );
    expect(plan.body).toEqual({ ...payload, ignore_eos: true, top_k: 2 });
    expect(plan.streaming).toBe(false);
    expect(plan.model).toBe('their-model');
    expect(planFileTurn(endpointOf('chat'), id, content({ payload: { messages: [], stream: true } }), []).streaming).toBe(true);
  });
});
