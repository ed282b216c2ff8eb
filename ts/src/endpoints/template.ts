// `--endpoint-type template`: a user's JSON body template (docs/cli.md §3.1.1). AIPerf takes it as
// `--extra-inputs payload_template:<file or inline text>` and the generated text's location as
// `--extra-inputs response_field:<path>`; so does infermark. AIPerf renders the template with
// Jinja2 and reads the field with JMESPath; infermark supports the part of both that a JSON body
// needs (placeholders, `|tojson`; dotted paths with indices) and refuses the rest by name.
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import {
  type ApiError,
  bearer,
  type GenerativeApi,
  isObject,
  NO_CONTENT,
  type ResponseContent,
  str,
  type TemplateSettings,
  type TurnInput,
  type UsageFields,
} from './api.js';
import { openAiUsage } from './openai-usage.js';

/** The variables a template can use (AIPerf's names; `prompt` is the same text as `text`). */
export const TEMPLATE_VARIABLES = ['text', 'prompt', 'texts', 'model', 'max_tokens', 'stream', 'system'] as const;
type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*([A-Za-z_]+)\s*)?\}\}/g;

/** One piece of a compiled template: literal text, or a placeholder inside or outside a JSON string. */
type Piece = string | { name: TemplateVariable; json: boolean; inString: boolean };

const compiled = new Map<string, Piece[]>();

/**
 * Split a template into literal text and placeholders, noting for each placeholder whether it
 * stands inside a JSON string literal (then its value is written escaped, without quotes) or not
 * (then as a JSON value: Jinja's `None`/`True` would not be JSON). Throws UsageError naming what is
 * not supported.
 */
export function compileTemplate(template: string): Piece[] {
  const hit = compiled.get(template);
  if (hit) return hit;
  const statement = /\{%|\{#/.exec(template);
  if (statement)
    throw new UsageError(
      `--extra-inputs payload_template: Jinja statements and comments ('${statement[0]}') are not supported; use {{ variable }} placeholders`,
    );
  const pieces: Piece[] = [];
  let last = 0;
  let inString = false;
  const scanQuotes = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const c = template[i];
      if (c === '\\' && inString) i++;
      else if (c === '"') inString = !inString;
    }
  };
  for (const m of template.matchAll(PLACEHOLDER)) {
    const at = m.index;
    scanQuotes(last, at);
    pieces.push(template.slice(last, at));
    const name = m[1]!;
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      throw new UsageError(
        `--extra-inputs payload_template: unknown variable '${name}' in ${m[0]} (known: ${TEMPLATE_VARIABLES.join(', ')})`,
      );
    }
    if (m[2] !== undefined && m[2] !== 'tojson') {
      throw new UsageError(`--extra-inputs payload_template: filter '${m[2]}' in ${m[0]} is not supported (only |tojson)`);
    }
    pieces.push({ name: name as TemplateVariable, json: m[2] === 'tojson', inString });
    last = at + m[0].length;
  }
  const rest = template.slice(last);
  if (/\{\{|\}\}/.test(rest.replace(/"(?:[^"\\]|\\.)*"/g, ''))) {
    throw new UsageError('--extra-inputs payload_template: a {{ … }} placeholder is not of the form {{ name }} or {{ name|tojson }}');
  }
  pieces.push(rest);
  compiled.set(template, pieces);
  return pieces;
}

function variables(t: TurnInput): Record<TemplateVariable, unknown> {
  const text = t.user;
  return { text, prompt: text, texts: [text], model: t.model, max_tokens: t.maxTokens, stream: t.streaming, system: t.system };
}

/** Render a template for a turn and parse it; throws UsageError when the result is not a JSON object. */
export function renderTemplate(template: string, t: TurnInput): Record<string, unknown> {
  const vars = variables(t);
  let out = '';
  for (const p of compileTemplate(template)) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = vars[p.name] ?? null;
    if (p.inString && !p.json) out += JSON.stringify(typeof v === 'string' ? v : String(v)).slice(1, -1);
    else out += JSON.stringify(v);
  }
  let body: unknown;
  try {
    body = JSON.parse(out);
  } catch (err) {
    throw new UsageError(
      `--extra-inputs payload_template: the rendered template is not JSON (${(err as Error).message}): ${out.slice(0, 200)}`,
    );
  }
  if (!isObject(body)) throw new UsageError('--extra-inputs payload_template: the rendered template must be a JSON object');
  return body;
}

/** One step of a response path: an object key or an array index. */
type Step = string | number;

const parsedPaths = new Map<string, Step[]>();

/**
 * A response path: keys separated by dots, array indices as `[0]` or `.0` (`choices[0].text`,
 * `choices.0.text`). Other JMESPath expressions (filters, projections, functions) are refused.
 */
export function parseResponsePath(path: string): Step[] {
  const hit = parsedPaths.get(path);
  if (hit) return hit;
  const steps: Step[] = [];
  const fail = (): never => {
    throw new UsageError(
      `--extra-inputs response_field: '${path}' is not a supported path (keys separated by dots, indices as [0] or .0, e.g. choices[0].text)`,
    );
  };
  for (const segment of path.split('.')) {
    if (/^\d+$/.test(segment)) {
      steps.push(Number(segment));
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)$/.exec(segment) ?? fail();
    steps.push(m[1]!);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) steps.push(Number(index[1]));
  }
  parsedPaths.set(path, steps);
  return steps;
}

function lookup(payload: unknown, steps: readonly Step[]): unknown {
  let v = payload;
  for (const s of steps) {
    if (typeof s === 'number') v = Array.isArray(v) ? v[s] : undefined;
    else v = isObject(v) ? v[s] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/**
 * The generated text of a response whose shape is not declared: the OpenAI shapes (choices' text,
 * message or delta content), TGI's (token text, generated_text), then a top-level `text`,
 * `output_text`, `content` or `response` string.
 */
function detectText(payload: unknown): string {
  const whole = Array.isArray(payload) ? payload[0] : payload;
  if (!isObject(whole)) return typeof whole === 'string' ? whole : '';
  if (Array.isArray(whole.choices)) {
    let s = '';
    for (const c of whole.choices) {
      if (!isObject(c)) continue;
      s += str(c.text);
      for (const k of ['delta', 'message']) if (isObject(c[k])) s += str((c[k] as Record<string, unknown>).content);
    }
    return s;
  }
  if (isObject(whole.token)) return str(whole.token.text);
  for (const k of ['generated_text', 'text', 'output_text', 'content', 'response']) if (typeof whole[k] === 'string') return whole[k];
  return '';
}

function content(payload: unknown, _event: string | undefined, _streaming: boolean, template: TemplateSettings | null): ResponseContent {
  if (payload === undefined) return NO_CONTENT;
  const field = template?.responseField ?? null;
  let output: string;
  if (field === null) output = detectText(payload);
  else {
    const v = lookup(payload, parseResponsePath(field));
    output = typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
  }
  const usage: UsageFields | null = isObject(payload) ? openAiUsage(payload.usage) : null;
  return { output, reasoning: '', usage };
}

function payloadError(payload: unknown, event: string | undefined): ApiError | null {
  if (isObject(payload) && payload.error !== undefined && payload.error !== null) {
    const e = payload.error;
    if (typeof e === 'string') return { code: 502, type: 'ServerError', message: e };
    if (isObject(e))
      return { code: typeof e.code === 'number' ? e.code : 502, type: str(e.type) || 'ServerError', message: str(e.message) };
  }
  return event === 'error' ? { code: 502, type: 'ServerError', message: JSON.stringify(payload).slice(0, 2048) } : null;
}

/**
 * The template's settings from `--extra-inputs` (removed from the extra fields: they configure
 * infermark, they are not body fields). `payload_template` names a file when one exists at that
 * path, else it is the template itself. Throws UsageError for a missing or unusable template.
 */
export function templateSettings(extra: Record<string, unknown>): { settings: TemplateSettings; extra: Record<string, unknown> } {
  const { payload_template: given, response_field: field, ...rest } = extra;
  // `--extra-inputs` reads a value that is JSON as JSON: a template without `|tojson` may be one.
  const source = isObject(given) ? JSON.stringify(given) : given;
  if (typeof source !== 'string' || source.trim() === '') {
    throw new UsageError('--endpoint-type template needs --extra-inputs payload_template:<file or JSON template>');
  }
  if (field !== undefined && typeof field !== 'string') throw new UsageError('--extra-inputs response_field must be a string');
  let body = source;
  if (!source.trimStart().startsWith('{')) {
    // Not an inline JSON template, so a file: a missing one is named as such, not as bad JSON.
    if (!existsSync(source))
      throw new UsageError(`--extra-inputs payload_template: no such file ${source}, and not an inline JSON template`);
    try {
      body = readFileSync(source, 'utf8');
    } catch (err) {
      throw new UsageError(`--extra-inputs payload_template: cannot read ${source}: ${(err as Error).message}`);
    }
  }
  // Rendered once with sample values, so that a broken template is an exit-2 error before the run.
  renderTemplate(body, { model: 'm', system: null, history: [], user: 'x', maxTokens: 1, streaming: false });
  // AIPerf's default `text` means "detect the field".
  const responseField = field === undefined || field === 'text' ? null : field;
  if (responseField !== null) parseResponsePath(responseField);
  return { settings: { body, responseField }, extra: rest };
}

/** Collects every string of a body except the model name: the template's shape is the user's. */
function stringLeaves(v: unknown, out: string[], key: string | null): void {
  if (typeof v === 'string') {
    if (key !== 'model' && v !== '') out.push(v);
  } else if (Array.isArray(v)) for (const x of v) stringLeaves(x, out, null);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) stringLeaves(x, out, k);
}

export const templateApi: GenerativeApi = {
  // No path of its own (as in AIPerf): without --endpoint, requests go to the base URL itself.
  defaultPath: () => '',
  buildBody(t, template) {
    if (template === null) throw new UsageError('--endpoint-type template needs --extra-inputs payload_template');
    // AIPerf sends the last turn alone; so does infermark (the template decides the body's shape).
    return renderTemplate(template.body, { ...t, history: [] });
  },
  inputTexts(body) {
    const out: string[] = [];
    stringLeaves(body, out, null);
    return out;
  },
  content,
  payloadError,
  completes: null,
  headers: bearer,
  mock: null,
};
