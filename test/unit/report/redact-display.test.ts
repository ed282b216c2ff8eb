// The configuration a report shows is redacted again, whatever wrote it (docs/cli.md §7).
import { describe, expect, it } from 'vitest';
import { redactCommandLine, redactConfigForDisplay, shellWords } from '../../../ts/src/report/redact.js';

describe('shellWords', () => {
  it('splits on blanks and keeps quoted words whole', () => {
    expect(shellWords(`infermark profile -H 'Authorization: Bearer a b' --x "y \\"z\\"" a\\ b`)).toEqual([
      'infermark',
      'profile',
      '-H',
      'Authorization: Bearer a b',
      '--x',
      'y "z"',
      'a b',
    ]);
  });
  it('keeps an empty quoted word', () => {
    expect(shellWords(`a '' b`)).toEqual(['a', '', 'b']);
  });
});

describe('redactCommandLine', () => {
  it('masks the api key, secret headers and URL credentials of a stored command line', () => {
    const line = `infermark profile -m m --api-key sk-live-1 -H 'Authorization: Bearer sk-live-1' -H 'X-Trace: 7' --url http://bob:pw@host:8000`;
    const out = redactCommandLine(line);
    expect(out).not.toContain('sk-live-1');
    expect(out).not.toContain('bob:pw');
    expect(out).toContain('--api-key ***');
    expect(out).toContain(`-H 'Authorization: ***'`);
    expect(out).toContain(`-H 'X-Trace: 7'`);
    expect(out).toContain('http://***@host:8000');
  });
  it('leaves an already redacted line as it was', () => {
    const line = `infermark profile -m m --api-key '***' -H 'Authorization: ***'`;
    expect(redactCommandLine(redactCommandLine(line))).toBe(redactCommandLine(line));
  });
});

describe('redactConfigForDisplay', () => {
  it('masks secrets anywhere in an input_config, ours or AIPerf-shaped', () => {
    const config = {
      endpoint: {
        model_names: ['m'],
        api_key: 'sk-live-1',
        headers: { Authorization: 'Bearer sk-live-1', 'X-Api-Token': 't0k3n', Accept: 'text/plain' },
        url: ['http://alice:secret@h:1/v1'],
      },
      tokenizer: { name: 'builtin' },
      input: { prompt: { input_tokens: { mean: 100 } } },
      aiperf: { headers: ['Authorization: Bearer sk-live-1', 'X-Other: 1'], client_secret: 'cs', auth_token: null },
      cli_command: 'aiperf profile --api-key sk-live-1',
    };
    const out = redactConfigForDisplay(config);
    const text = JSON.stringify(out);
    for (const secret of ['sk-live-1', 't0k3n', 'alice:secret', '"cs"']) expect(text).not.toContain(secret);
    expect(out).toMatchObject({
      endpoint: {
        api_key: '***',
        headers: { Authorization: '***', 'X-Api-Token': '***', Accept: 'text/plain' },
        url: ['http://***@h:1/v1'],
      },
      tokenizer: { name: 'builtin' },
      input: { prompt: { input_tokens: { mean: 100 } } },
      aiperf: { headers: ['Authorization: ***', 'X-Other: 1'], client_secret: '***', auth_token: null },
      cli_command: 'aiperf profile --api-key ***',
    });
  });
  it('keeps fields that only look like secrets by part of their name', () => {
    const config = { tokenizer: 'builtin', max_tokens: 5, use_server_token_count: true, block_size: 512, key_count: 3 };
    expect(redactConfigForDisplay(config)).toEqual(config);
  });
});
