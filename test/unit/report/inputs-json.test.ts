// inputs.json keeps each distinct body once and is written in parts (issue 16: memory that stays
// flat): the text must stay exactly what serialising the whole document at once gave.
import { describe, expect, it } from 'vitest';
import { toJson, type JsonValue } from '../../../ts/src/report/json-writer.js';
import { InputsCollector } from '../../../ts/src/report/inputs-json.js';
import { raw } from '../metrics/fixtures.js';
import { seededRandom } from '../../helpers/seeded-records.js';

function sent(
  body: Record<string, unknown>,
  conversationId: string | null,
  turnIndex: number,
  sessionNum = 0,
  phase: 'warmup' | 'profiling' = 'profiling',
) {
  const r = raw({ startMs: 0, endMs: 1, body, phase });
  r.conversationId = conversationId;
  r.turnIndex = turnIndex;
  r.sessionNum = sessionNum;
  return r;
}

/** The document as it was built before: every session's bodies sorted by turn, serialised at once. */
function wholeDocument(list: ReturnType<typeof sent>[]): string {
  const sessions = new Map<string, Array<{ turn: number; body: Record<string, unknown> }>>();
  for (const r of list) {
    if (r.phase !== 'profiling') continue;
    const id = r.conversationId ?? `session_${r.sessionNum}`;
    if (!sessions.has(id)) sessions.set(id, []);
    sessions.get(id)!.push({ turn: r.turnIndex, body: r.request.body });
  }
  const data = [...sessions].map(([id, turns]) => ({
    session_id: id,
    payloads: [...turns].sort((a, b) => a.turn - b.turn).map((t) => t.body as JsonValue),
  }));
  return `${toJson({ data }, 2)}\n`;
}

describe('inputs.json', () => {
  it('writes exactly the whole-document text: shared bodies, multi-turn sessions out of order, warmup left out', () => {
    const rand = seededRandom(9);
    const shared = [0, 1, 2].map((i) => ({ model: 'm', messages: [{ role: 'user', content: `prompt "${i}"\nline` }], stream: true }));
    const list: ReturnType<typeof sent>[] = [];
    for (let n = 0; n < 500; n++) {
      const u = rand();
      if (u < 0.5) list.push(sent(shared[n % 3]!, `synthetic_${n % 3}`, 0));
      else if (u < 0.9)
        list.push(
          sent(
            { model: 'm', prompt: `turn ${n}`, max_tokens: n, nested: { a: [1, 2.5, { b: null }] } },
            `conv_${n % 7}`,
            Math.floor(rand() * 5),
          ),
        );
      else list.push(sent({ model: 'w', empty: {}, list: [] }, null, 0, n, rand() < 0.5 ? 'warmup' : 'profiling'));
    }
    const c = new InputsCollector();
    for (const r of list) c.add(r);
    expect(c.text()).toBe(wholeDocument(list));
    expect(JSON.parse(c.text()!)).toEqual(JSON.parse(wholeDocument(list)));
  });

  it('writes an empty document when nothing was sent during profiling', () => {
    const c = new InputsCollector();
    c.add(sent({ model: 'm' }, 'x', 0, 0, 'warmup'));
    expect(c.text()).toBe(wholeDocument([]));
  });

  it('serialises a body sent by many requests once for the size and once for the file', () => {
    let reads = 0;
    const body = {
      model: 'm',
      get messages() {
        reads++;
        return [{ role: 'user', content: 'hello' }];
      },
    };
    const c = new InputsCollector();
    for (let n = 0; n < 1000; n++) c.add(sent(body, 'synthetic_0', 0));
    const text = c.text()!;
    expect(reads).toBe(2);
    expect((JSON.parse(text) as { data: Array<{ payloads: unknown[] }> }).data[0]!.payloads.length).toBe(1000);
  });

  it('keeps one body for equal copies (records from worker threads each carry their own)', () => {
    let fileReads = 0;
    let counting = false;
    const copy = () => ({
      model: 'm',
      get messages() {
        if (counting) fileReads++;
        return [{ role: 'user', content: 'hello' }];
      },
    });
    const c = new InputsCollector();
    for (let n = 0; n < 1000; n++) c.add(sent(copy(), 'synthetic_0', 0));
    counting = true;
    const text = c.text()!;
    expect(fileReads).toBe(1);
    expect((JSON.parse(text) as { data: Array<{ payloads: unknown[] }> }).data[0]!.payloads).toHaveLength(1000);
  });

  it('counts every request against the size limit, shared bodies included', () => {
    const body = { model: 'm', prompt: 'x'.repeat(90) };
    const size = JSON.stringify(body).length;
    const c = new InputsCollector(size * 10);
    for (let n = 0; n < 10; n++) c.add(sent(body, 'synthetic_0', 0));
    expect(c.overLimit).toBe(false);
    c.add(sent(body, 'synthetic_0', 0));
    expect(c.overLimit).toBe(true);
    expect(c.parts()).toBeNull();
  });
});
