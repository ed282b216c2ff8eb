// The Synthesise tab: `infermark synthesize` in the page (docs/cli.md §5, docs/synthesis.md §3–4).
// Every flag is a field labelled with the CLI's name; the worker checks them as the CLI does and
// runs the CLI's pipeline; the page shows the run summary, the side-by-side input/output analysis
// and offers the output trace, the same bytes the CLI writes for the same input and flags.
import { TRANSFORM_FLAGS } from '../config/synthesis-flags.js';
import { filePicker, flagField, flagValues, h, jobView, outputName } from './synth-job-view.browser.js';

/** Field help, from the CLI's option descriptions (ts/src/cli/synthesis-options.ts). */
const HELP: Record<string, [string, string]> = {
  'synthesis-speedup-ratio': ['<x>', 'divide timestamps and delays by this'],
  'synthesis-prefix-len-multiplier': ['<x>', 'stretch or shrink shared prefixes'],
  'synthesis-prefix-root-multiplier': ['<n>', 'spread sessions over n disjoint id trees'],
  'synthesis-prompt-len-multiplier': ['<x>', 'scale non-shared prompt tokens'],
  'synthesis-output-len-multiplier': ['<x>', 'scale output_length'],
  'synthesis-max-isl': ['<n>', 'skip rows whose final input_length exceeds n'],
  'synthesis-max-osl': ['<n>', 'cap output_length at n'],
};

export function setUpSynthesisPanel(root: Document): void {
  const panel = root.getElementById('panel-synthesise');
  if (panel === null) throw new Error('index.html has no #panel-synthesise');
  panel.append(
    h(
      root,
      'p',
      { class: 'note' },
      'Transform a Mooncake trace row by row, or generate new rows from what it learns; the same output as ',
      h(root, 'code', {}, 'infermark synthesize'),
      '.',
    ),
  );
  const file = filePicker(root, panel, 'synth', 'Trace file (JSONL)');

  const mode = h(
    root,
    'select',
    { id: 'synth-mode', name: 'mode' },
    h(root, 'option', { value: 'transform' }, 'transform'),
    h(root, 'option', { value: 'generate' }, 'generate'),
  ) as HTMLSelectElement;
  const transform = h(root, 'fieldset', { class: 'flags', id: 'synth-transform-flags' }, h(root, 'legend', {}, 'Transform flags'));
  for (const row of TRANSFORM_FLAGS) {
    const name = row.flag.slice(2);
    const [placeholder, help] = HELP[name] ?? ['', ''];
    transform.append(flagField(root, 'synth', name, placeholder, help));
  }
  const generate = h(
    root,
    'fieldset',
    { class: 'flags', id: 'synth-generate-flags' },
    h(root, 'legend', {}, 'Generate mode'),
    flagField(root, 'synth', 'num-requests', '<n>', 'rows to generate (generate mode)'),
    flagField(root, 'synth', 'synthesis-min-isl', '<n>', 'generate: reject samples below n tokens'),
    flagField(root, 'synth', 'synthesis-min-osl', '<n>', 'generate: raise output_length to n'),
  );
  const common = h(
    root,
    'fieldset',
    { class: 'flags' },
    h(root, 'legend', {}, 'Common'),
    flagField(root, 'synth', 'block-size', '512', 'tokens per hash block'),
    flagField(root, 'synth', 'random-seed', '0', 'seed of every random draw'),
  );
  const skipInvalid = h(root, 'input', { type: 'checkbox', id: 'synth-skip-invalid' }) as HTMLInputElement;
  const analysis = h(root, 'input', { type: 'checkbox', id: 'synth-analysis', checked: '' }) as HTMLInputElement;
  const runButton = h(root, 'button', { type: 'button', id: 'synth-run' }, 'Synthesise') as HTMLButtonElement;
  panel.append(
    h(root, 'div', { class: 'options' }, h(root, 'label', {}, h(root, 'code', {}, '--mode'), ' ', mode)),
    transform,
    generate,
    common,
    h(
      root,
      'div',
      { class: 'options' },
      h(root, 'label', {}, skipInvalid, ' skip invalid rows (', h(root, 'code', {}, '--skip-invalid'), ')'),
      h(root, 'label', {}, analysis, ' side-by-side analysis (off: ', h(root, 'code', {}, '--no-analysis'), ')'),
      runButton,
    ),
  );
  const view = jobView<'synthesize'>(root, panel, 'synth', 'synthesis');
  const sideBySide = h(root, 'pre', { 'data-testid': 'side-by-side', id: 'synth-side-by-side', hidden: '' });
  panel.append(sideBySide);

  const showMode = (): void => {
    const generating = mode.value === 'generate';
    for (const input of Array.from(generate.querySelectorAll('input'))) input.disabled = !generating;
  };
  mode.addEventListener('change', showMode);
  showMode();

  runButton.addEventListener('click', () => {
    sideBySide.hidden = true;
    const input = file();
    if (input === null) {
      view.showError('error: choose a trace file first');
      return;
    }
    const fields = { ...flagValues(transform), ...flagValues(generate), ...flagValues(common) };
    view.run(
      {
        kind: 'synthesize',
        file: input,
        form: {
          mode: mode.value === 'generate' ? 'generate' : 'transform',
          fields,
          skipInvalid: skipInvalid.checked,
          analysis: analysis.checked,
          sourceName: input.name,
        },
      },
      (result) => {
        view.showMessages(result.messages);
        if (result.sideBySide !== null) {
          sideBySide.textContent = result.sideBySide;
          sideBySide.hidden = false;
        }
        view.offer(result.output, outputName(input.name, result.mode === 'generate' ? 'generated' : 'synth'));
      },
    );
  });
}
