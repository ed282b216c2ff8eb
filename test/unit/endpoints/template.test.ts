// `--endpoint-type template` (docs/cli.md §3.1.1): the body template's placeholders, the response
// path, and the settings taken from `--extra-inputs`, with exit-2 errors naming what is wrong.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATIVE_APIS, parseResponsePath, renderTemplate, templateSettings, type TurnInput } from '../../../ts/src/endpoints/index.js';
import { type ProfileOptions, resolveProfileConfig } from '../../../ts/src/config/profile-config.js';
import { UsageError } from '../../../ts/src/errors.js';
import { checkStream } from '../../../ts/src/load/response-check.js';
import { parseResponses } from '../../../ts/src/metrics/response-parse.js';

const turn: TurnInput = { model: 'org/m', system: null, history: [], user: 'say "hi"\n', maxTokens: 5, streaming: false };

describe('template rendering', () => {
  it('writes a placeholder inside a JSON string escaped, |tojson and bare placeholders as JSON values', () => {
    expect(
      renderTemplate('{"m": "{{ model }}", "p": {{ text|tojson }}, "q": "<{{prompt}}>", "n": {{ max_tokens }}, "s": {{ stream }}}', turn),
    ).toEqual({
      m: 'org/m',
      p: 'say "hi"\n',
      q: '<say "hi"\n>',
      n: 5,
      s: false,
    });
  });

  it('writes an absent value as null (Jinja would write None, which is not JSON)', () => {
    expect(renderTemplate('{"n": {{ max_tokens }}, "texts": {{ texts|tojson }}}', { ...turn, maxTokens: null })).toEqual({
      n: null,
      texts: ['say "hi"\n'],
    });
  });

  it('refuses unknown variables, other filters, statements and a result that is not a JSON object', () => {
    expect(() => renderTemplate('{"p": "{{ txt }}"}', turn)).toThrow(/unknown variable 'txt'/);
    expect(() => renderTemplate('{"p": "{{ text|upper }}"}', turn)).toThrow(/filter 'upper'/);
    expect(() => renderTemplate('{% if x %}{}{% endif %}', turn)).toThrow(/statements/);
    expect(() => renderTemplate('[{{ text|tojson }}]', turn)).toThrow(/must be a JSON object/);
    expect(() => renderTemplate('{"p": {{ text }}', turn)).toThrow(/not JSON/);
    // Outside a string a bare placeholder is a JSON value, so this one is valid.
    expect(renderTemplate('{"p": {{ text }}}', turn)).toEqual({ p: 'say "hi"\n' });
  });

  it('sends the last turn alone, whatever the history', () => {
    const body = GENERATIVE_APIS.template.buildBody(
      { ...turn, history: [{ user: 'old', assistant: 'x' }] },
      { body: '{"p": {{ text|tojson }}}', responseField: null },
    );
    expect(body).toEqual({ p: 'say "hi"\n' });
  });
});

describe('response paths', () => {
  it('reads dotted keys with indices written as [n] or .n', () => {
    expect(parseResponsePath('choices[0].message.content')).toEqual(['choices', 0, 'message', 'content']);
    expect(parseResponsePath('choices.0.text')).toEqual(['choices', 0, 'text']);
    expect(parseResponsePath('data[1][2]')).toEqual(['data', 1, 2]);
  });

  it('refuses JMESPath it does not support, naming the path', () => {
    for (const bad of ['choices[*].text', 'a..b', 'length(x)', '', 'a.']) expect(() => parseResponsePath(bad)).toThrow(UsageError);
  });

  it('takes the text at the path of each event, or detects it when no path is given', () => {
    const responses = [
      { recvNs: 1n, data: JSON.stringify({ out: { text: 'He' } }) },
      { recvNs: 2n, data: JSON.stringify({ out: { text: 'llo' }, usage: { prompt_tokens: 3, completion_tokens: 2 } }) },
    ];
    const p = parseResponses(
      { responses, endpointType: 'template', streaming: true },
      { template: { body: '{}', responseField: 'out.text' } },
    );
    expect([p.outputText, p.contentNs, p.usage]).toEqual(['Hello', [1n, 2n], { promptTokens: 3, completionTokens: 2 }]);
    const detected = parseResponses({
      responses: [{ recvNs: 1n, data: '{"generated_text": "Hi"}' }],
      endpointType: 'template',
      streaming: false,
    });
    expect(detected.outputText).toBe('Hi');
  });

  it('takes a stream that ends as complete (a template names no completion event), but not one without content', () => {
    const t = { body: '{}', responseField: 'x' };
    expect(checkStream([{ recvNs: 1n, data: '{"x": "a"}' }], 'template', t)).toBeNull();
    expect(checkStream([{ recvNs: 1n, data: '{"y": "a"}' }], 'template', t)).toMatchObject({ type: 'EmptyStreamError' });
  });
});

describe('settings from --extra-inputs', () => {
  it('takes payload_template from a file or inline, response_field, and leaves the rest as body fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infermark-template-'));
    const file = join(dir, 't.json');
    writeFileSync(file, '{"p": {{ text|tojson }}}');
    expect(templateSettings({ payload_template: file, response_field: 'a.b', temperature: 0 })).toEqual({
      settings: { body: '{"p": {{ text|tojson }}}', responseField: 'a.b' },
      extra: { temperature: 0 },
    });
    // AIPerf's default response_field `text` means: detect it.
    expect(templateSettings({ payload_template: '{"p": "{{ text }}"}', response_field: 'text' }).settings.responseField).toBeNull();
    // --extra-inputs reads a JSON value as JSON: a template without |tojson arrives as an object.
    expect(templateSettings({ payload_template: { p: '{{ text }}' } }).settings.body).toBe('{"p":"{{ text }}"}');
  });

  it('is an exit-2 error without payload_template or with a broken one', () => {
    expect(() => templateSettings({})).toThrow(/needs --extra-inputs payload_template/);
    expect(() => templateSettings({ payload_template: '/no/such/template.json' })).toThrow(
      'no such file /no/such/template.json, and not an inline JSON template',
    );
    expect(() => templateSettings({ payload_template: '{"p": {{ text }}' })).toThrow(UsageError);
    expect(() => templateSettings({ payload_template: '{}', response_field: 'a[*]' })).toThrow(/response_field/);
  });
});

describe('profile configuration of the new types', () => {
  const resolve = (o: Partial<ProfileOptions>) => resolveProfileConfig({ model: ['m'], ...o }, 'infermark profile');

  it("takes each type's default path, TGI's by --streaming, and a template's settings out of --extra-inputs", () => {
    expect(resolve({ endpointType: 'responses' }).endpoint.path).toBe('/v1/responses');
    expect(resolve({ endpointType: 'messages' }).endpoint.path).toBe('/v1/messages');
    expect(resolve({ endpointType: 'huggingface-generate' }).endpoint.path).toBe('/generate');
    expect(resolve({ endpointType: 'huggingface-generate', streaming: true }).endpoint.path).toBe('/generate_stream');
    const t = resolve({
      endpointType: 'template',
      extraInputs: ['payload_template:{"p": "{{ text }}"}', 'response_field:out', 'seed:1'],
    }).endpoint;
    expect([t.path, t.template, t.extra]).toEqual(['', { body: '{"p":"{{ text }}"}', responseField: 'out' }, { seed: 1 }]);
    expect(resolve({ endpointType: 'chat' }).endpoint.template).toBeNull();
  });
});
