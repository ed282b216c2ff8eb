// Atomic-write temporaries (docs/exports.md §10.1) and the stale-file cleanup that must recognise them.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeUnfinishedTemporaryFilesSync, writeFileAtomic } from '../../../ts/src/io/atomic-write.js';
import { temporarySibling } from '../../../ts/src/io/output-target.js';
import { exportFileNames, removeOwnedFiles } from '../../../ts/src/report/artifact-dir.js';

describe('atomic-write temporary files', () => {
  it('are named .<name>.tmp-<pid>… as docs/exports.md §10.1 says', () => {
    expect(basename(temporarySibling('/x/profile_export_aiperf.json'))).toMatch(
      new RegExp(`^\\.profile_export_aiperf\\.json\\.tmp-${process.pid}-[0-9a-f]{8}$`),
    );
  });

  it('left behind by a killed run are removed at the start of the next run (the names once did not match the cleanup)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-files-'));
    const names = exportFileNames(null);
    const stale = temporarySibling(join(dir, names.summaryJson));
    writeFileSync(stale, '{"half": ');
    writeFileSync(join(dir, 'unrelated.txt'), 'kept');
    await removeOwnedFiles(dir, names);
    expect(readdirSync(dir)).toEqual(['unrelated.txt']);
  });

  it('of a write still in progress are removed by removeUnfinishedTemporaryFilesSync (a second Ctrl-C once left them behind)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-files-'));
    const target = join(dir, 'profile_export_aiperf.json');
    // Large enough that the write is still running when the check below first sees its temporary file.
    const writing = writeFileAtomic(target, 'x'.repeat(64 << 20)).then(
      () => 'committed',
      (err: Error) => err.message,
    );
    while (!readdirSync(dir).some((name) => name.includes('.tmp-'))) await new Promise((r) => setImmediate(r));
    removeUnfinishedTemporaryFilesSync();
    expect(readdirSync(dir)).toEqual([]);
    // Without an exit after it, the abandoned write fails; it never puts a file in place.
    expect(await writing).toMatch(/^cannot write output file: .*profile_export_aiperf\.json: /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('are not touched once the write has committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-files-'));
    await writeFileAtomic(join(dir, 'a.json'), '{}');
    removeUnfinishedTemporaryFilesSync();
    expect(readdirSync(dir)).toEqual(['a.json']);
  });
});
