// `inputs.json` of a merged result (docs/exports.md §7): the shards' `data` lists one after the
// other, spliced as text so every body stays byte for byte as its shard wrote it.
import { readFileSync, statSync } from 'node:fs';
import { INPUTS_JSON_LIMIT_BYTES } from '../report/inputs-json.js';

const OPEN = /^\{\s*"data"\s*:\s*\[/;
const CLOSE = /\]\s*\}\s*$/;

/** The merged file's text, or a reason it is not written (a shard without one, or over the size limit). */
export function mergedInputsJson(files: ReadonlyArray<string | null>): { text: string } | { skipped: string } {
  if (files.some((f) => f === null)) return { skipped: 'inputs.json not merged: a shard has none' };
  let total = 0;
  for (const f of files) total += statSync(f!).size;
  if (total > INPUTS_JSON_LIMIT_BYTES) return { skipped: 'inputs.json skipped: the request payloads exceed 256 MiB' };
  const lists: string[] = [];
  for (const f of files) {
    const text = readFileSync(f!, 'utf8');
    const open = OPEN.exec(text);
    const close = CLOSE.exec(text);
    if (open === null || close === null) return { skipped: `inputs.json not merged: ${f} is not {"data": [...]}` };
    const list = text.slice(open[0].length, close.index).trimEnd();
    if (list !== '') lists.push(list);
  }
  return { text: lists.length === 0 ? '{\n  "data": []\n}\n' : `{\n  "data": [${lists.join(',')}\n  ]\n}\n` };
}
