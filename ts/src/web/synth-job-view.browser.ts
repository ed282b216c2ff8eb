// The parts the Synthesise and Hash prompts tabs share: a file picker with drop, Run, a progress
// bar with Cancel, the error line as the CLI states it, the CLI's messages and the output download.
import type { JobKind, JobProgress, JobRequest, JobResult } from './protocol.browser.js';
import { progressText } from './progress-text.browser.js';
import { type RunningJob, startJob } from './worker-client.browser.js';

/** Builds an element with attributes and children. */
export function h(root: Document, tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const el = root.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** A labelled text field named by its CLI flag (`--synthesis-max-isl <n>` …); its value is what the form sends under `flag`. */
export function flagField(root: Document, prefix: string, flag: string, placeholder: string, help: string): HTMLElement {
  const input = h(root, 'input', {
    type: 'text',
    id: `${prefix}-${flag}`,
    name: flag,
    'data-flag': flag,
    placeholder,
    spellcheck: 'false',
  });
  return h(root, 'label', { class: 'flag', title: help }, h(root, 'code', {}, `--${flag}`), ' ', input);
}

/** The values of every `data-flag` field under `container`, by flag name. */
export function flagValues(container: HTMLElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const input of Array.from(container.querySelectorAll<HTMLInputElement>('input[data-flag]'))) {
    if (!input.disabled) out[input.dataset.flag!] = input.value;
  }
  return out;
}

export interface JobView<K extends JobKind> {
  /** Start `request`; shows progress, then calls `onDone` or shows the error. */
  run(request: JobRequest<K>, onDone: (result: JobResult<K>) => void): void;
  /** Offer `blob` for download as `name`. */
  offer(blob: Blob, name: string): void;
  showError(text: string): void;
  /** The CLI's stderr lines after the run. */
  showMessages(lines: readonly string[]): void;
}

/** The job area of a tab (`prefix` names its element ids) appended to `panel`. */
export function jobView<K extends JobKind>(root: Document, panel: HTMLElement, prefix: string, what: string): JobView<K> {
  const bar = h(root, 'progress', { max: '1', value: '0' }) as HTMLProgressElement;
  const progress = h(root, 'span', { 'data-testid': 'progress', id: `${prefix}-progress` });
  const cancel = h(root, 'button', { type: 'button', id: `${prefix}-cancel` }, 'Cancel') as HTMLButtonElement;
  const job = h(root, 'div', { class: 'job', id: `${prefix}-job`, hidden: '' }, bar, progress, cancel);
  const error = h(root, 'pre', { class: 'error', 'data-testid': 'error', id: `${prefix}-error`, hidden: '' });
  const messages = h(root, 'pre', { class: 'warnings', 'data-testid': 'messages', id: `${prefix}-messages`, hidden: '' });
  const download = h(root, 'a', { 'data-testid': 'download', id: `${prefix}-download`, hidden: '' }) as HTMLAnchorElement;
  panel.append(job, error, messages, h(root, 'p', {}, download));
  let running: RunningJob<K> | null = null;
  let url: string | null = null;

  const view: JobView<K> = {
    run(request, onDone) {
      running?.cancel();
      error.hidden = true;
      messages.hidden = true;
      download.hidden = true;
      const started = performance.now();
      bar.value = 0;
      progress.textContent = 'starting…';
      job.hidden = false;
      cancel.hidden = false;
      const current = startJob<K>(request, (p: JobProgress) => {
        bar.value = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 1;
        progress.textContent = progressText(p, (performance.now() - started) / 1000);
      });
      running = current;
      void current.outcome.then((outcome) => {
        if (running !== current) return;
        running = null;
        cancel.hidden = true;
        if (outcome.status === 'cancelled') {
          job.hidden = true;
          view.showError(`cancelled: the ${what} was stopped`);
        } else if (outcome.status === 'failed') {
          job.hidden = true;
          view.showError(`error: ${outcome.error.message}`);
        } else {
          bar.value = 1;
          onDone(outcome.result);
        }
      });
    },
    offer(blob, name) {
      if (url !== null) URL.revokeObjectURL(url);
      url = URL.createObjectURL(blob);
      download.href = url;
      download.download = name;
      download.textContent = `Download ${name} (${blob.size.toLocaleString('en-US')} bytes)`;
      download.hidden = false;
    },
    showError(text) {
      error.textContent = text;
      error.hidden = false;
    },
    showMessages(lines) {
      messages.textContent = lines.join('\n');
      messages.hidden = false;
    },
  };
  cancel.addEventListener('click', () => running?.cancel());
  return view;
}

/** A file picker (`#${prefix}-file`) that also takes a dropped file; returns the chosen file's getter. */
export function filePicker(root: Document, panel: HTMLElement, prefix: string, label: string): () => File | null {
  const input = h(root, 'input', {
    type: 'file',
    id: `${prefix}-file`,
    accept: '.jsonl,.json,.txt,application/jsonl,application/json',
  }) as HTMLInputElement;
  const zone = h(
    root,
    'div',
    { class: 'drop-zone' },
    h(root, 'label', {}, `${label}: `, input),
    h(root, 'span', {}, 'or drop a file here'),
  );
  panel.append(zone);
  let dropped: File | null = null;
  input.addEventListener('change', () => {
    dropped = null;
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    dropped = e.dataTransfer?.files[0] ?? null;
  });
  return () => dropped ?? input.files?.[0] ?? null;
}

/** The download's name: `<input stem>.<suffix>.jsonl`. */
export function outputName(input: string, suffix: string): string {
  const stem = input.replace(/\.jsonl?$/i, '');
  return `${stem}.${suffix}.jsonl`;
}
