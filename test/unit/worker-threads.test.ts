// Worker threads inherit the process's flags except `--input-type`, which Node 20 refuses in a
// thread (nodejs/node#54979): with it, `node --input-type=module -e "…"` could not start any.
import { afterEach, describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../ts/src/worker-threads.js';

const original = [...process.execArgv];
afterEach(() => {
  process.execArgv.splice(0, process.execArgv.length, ...original);
});

describe('worker thread flags', () => {
  it('drop --input-type in both spellings and keep every other flag in order', () => {
    process.execArgv.splice(
      0,
      process.execArgv.length,
      '--enable-source-maps',
      '--input-type',
      'module',
      '--max-old-space-size=512',
      '--input-type=commonjs',
    );
    expect(workerExecArgv()).toEqual(['--enable-source-maps', '--max-old-space-size=512']);
  });
});
