// The Hash prompts tab: `infermark hash-prompts` in the page (docs/cli.md §6, docs/synthesis.md §5)
// with the bundled Qwen3 tokenizer; offers the trace, the same bytes the CLI writes.
import { filePicker, flagField, flagValues, h, jobView, outputName } from './synth-job-view.browser.js';

export function setUpHashPromptsPanel(root: Document): void {
  const panel = root.getElementById('panel-hash-prompts');
  if (panel === null) throw new Error('index.html has no #panel-hash-prompts');
  panel.append(
    h(
      root,
      'p',
      { class: 'note' },
      'Turn a JSONL file of prompts into a Mooncake trace whose hash ids encode prefix sharing, with the bundled Qwen3 tokenizer; the same output as ',
      h(root, 'code', {}, 'infermark hash-prompts'),
      '.',
    ),
  );
  const file = filePicker(root, panel, 'hash-prompts', 'Prompts file (JSONL)');
  const flags = h(
    root,
    'fieldset',
    { class: 'flags' },
    h(root, 'legend', {}, 'Flags'),
    flagField(root, 'hash-prompts', 'block-size', '512', 'tokens per hash block'),
    flagField(root, 'hash-prompts', 'text-field', 'prompt', 'read the prompt from this string field (default: prompt, text_input, text)'),
  );
  const skipInvalid = h(root, 'input', { type: 'checkbox', id: 'hash-prompts-skip-invalid' }) as HTMLInputElement;
  const runButton = h(root, 'button', { type: 'button', id: 'hash-prompts-run' }, 'Hash prompts') as HTMLButtonElement;
  panel.append(
    flags,
    h(
      root,
      'div',
      { class: 'options' },
      h(root, 'label', {}, skipInvalid, ' skip invalid rows (', h(root, 'code', {}, '--skip-invalid'), ')'),
      runButton,
    ),
  );
  const view = jobView<'hash-prompts'>(root, panel, 'hash-prompts', 'hashing');
  runButton.addEventListener('click', () => {
    const input = file();
    if (input === null) {
      view.showError('error: choose a prompts file first');
      return;
    }
    view.run(
      { kind: 'hash-prompts', file: input, form: { fields: flagValues(flags), skipInvalid: skipInvalid.checked, sourceName: input.name } },
      (outcome) => {
        view.showMessages(outcome.messages);
        view.offer(outcome.output, outputName(input.name, 'trace'));
      },
    );
  });
}
