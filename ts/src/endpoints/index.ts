// The generative endpoint types beyond chat and completions (docs/cli.md §3.1.1), one module each
// implementing `GenerativeApi` (./api.ts). A new type is a new module here and a line in
// GENERATIVE_APIS; the dispatch points (request bodies in load/request-builder.ts, response
// parsing in metrics/response-parse.ts, stream checks in load/response-check.ts, mock routes in
// server/routes.ts and server/mock-server.ts) ask `generativeApi(type)` and need no change.
// chat and completions keep their long-standing code in those files (null here).
import type { GenerativeApi } from './api.js';
import { huggingfaceGenerateApi } from './huggingface-generate.js';
import { messagesApi } from './messages.js';
import { responsesApi } from './responses.js';
import { templateApi } from './template.js';

export const GENERATIVE_APIS = {
  responses: responsesApi,
  messages: messagesApi,
  'huggingface-generate': huggingfaceGenerateApi,
  template: templateApi,
} as const satisfies Record<string, GenerativeApi>;

export type GenerativeType = keyof typeof GENERATIVE_APIS;

export const GENERATIVE_TYPES = Object.keys(GENERATIVE_APIS) as GenerativeType[];

/** The module of a generative type, or null for chat, completions and non-generative types. */
export function generativeApi(type: string): GenerativeApi | null {
  return Object.hasOwn(GENERATIVE_APIS, type) ? GENERATIVE_APIS[type as GenerativeType] : null;
}

export * from './api.js';
export { ANTHROPIC_VERSION, MESSAGES_DEFAULT_MAX_TOKENS } from './messages.js';
export { openAiUsage } from './openai-usage.js';
export { compileTemplate, parseResponsePath, renderTemplate, TEMPLATE_VARIABLES, templateSettings } from './template.js';
