// The line of a JSON syntax error, for messages that name it.
import { describe, expect, it } from 'vitest';
import { jsonErrorLine } from '../../../ts/src/plot/json-error-line.js';

describe('jsonErrorLine', () => {
  it('says null for valid JSON of every kind', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]} \n', '"s"', '0']) {
      expect(jsonErrorLine(text), text).toBeNull();
    }
  });
  it('finds the line of the first error', () => {
    expect(jsonErrorLine('{"a": 1,\n"b": }')).toBe(2);
    expect(jsonErrorLine('{\n"timeslices": [\n}')).toBe(3);
    expect(jsonErrorLine('{"a": 1}\n\nx')).toBe(3);
    expect(jsonErrorLine('{"a":\n"unterminated')).toBe(2);
    expect(jsonErrorLine('[01]')).toBe(1);
    expect(jsonErrorLine('{"a": tru}')).toBe(1);
  });
});
