// What one request of a phase carries (everything the engine's `send` needs besides its times), and
// how a turn of a file dataset (docs/cli.md §3.3) becomes one.
import type { TurnContent } from '../dataset/turn-source.js';
import { isRetrievalType } from '../config/retrieval-config.js';
import { buildRetrievalBody } from './retrieval-bodies.js';
import { buildMessagesBody, buildPayloadBody, buildTurnBody, type EndpointSettings, withRowExtra } from './request-builder.js';

export interface TurnPlan {
  /** Global request index within the phase (`requestNum`, the cancellation selection key). */
  index: number;
  /** The session run this request belongs to: picks the URL (round-robin) and is `sessionNum` in the record. */
  sessionNum: number;
  turnIndex: number;
  /** No later turn of its session follows (always, for a single-turn request). */
  lastTurn: boolean;
  conversationId: string;
  correlationId: string;
  model: string;
  /** Shared by every request built from the same cached body: treat as immutable. */
  body: Record<string, unknown>;
  json: string;
  /** Whether the response is parsed as SSE: the endpoint's setting, except for a payload row, whose body decides. */
  streaming: boolean;
  clientIsl: number | null;
  requestedIsl: number | null;
  requestedOsl: number | null;
  traceLine: number | null;
  materialised: boolean;
  historyChars: number;
}

/** One earlier turn of a session as a later turn's history carries it. */
export interface HistoryTurn {
  user: string;
  assistant: string;
}

/** Who sends a turn: everything of a plan that does not come from the turn's content. */
export type PlanIdentity = Pick<TurnPlan, 'index' | 'sessionNum' | 'turnIndex' | 'lastTurn' | 'conversationId' | 'correlationId' | 'model'>;

/**
 * The request of a file turn. A text turn sends the session's history (docs/cli.md §3.3) with its
 * system message; `messages` and `payload` rows are sent verbatim (docs/cli.md §3.3) and take no
 * history. The row's `extra` is merged last. Client token counts of file turns are left to the
 * record processor (off the loop that stamps), so `clientIsl` is null.
 */
export function planFileTurn(
  endpoint: EndpointSettings,
  id: PlanIdentity,
  content: TurnContent,
  history: readonly HistoryTurn[],
): TurnPlan {
  let body: Record<string, unknown>;
  let model = id.model;
  let streaming = endpoint.streaming;
  let historyChars = 0;
  if (content.payload !== null) {
    body = withRowExtra(buildPayloadBody(endpoint, content.payload), content.extra);
    // The server answers as the body asks (OpenAI's default is not to stream), whatever --streaming says.
    streaming = body.stream === true;
    if (typeof body.model === 'string') model = body.model;
  } else if (content.messages !== null) {
    body = withRowExtra(buildMessagesBody(endpoint, model, content.messages, content.tools, content.requestedOsl), content.extra);
  } else if (isRetrievalType(endpoint.type)) {
    // An embeddings row embeds its text; a rankings row's text is the query (docs/cli.md §3.14). No history.
    body = withRowExtra(buildRetrievalBody(endpoint.type, model, [content.text ?? ''], endpoint.extra), content.extra);
  } else {
    const text = content.text ?? '';
    body = buildTurnBody(endpoint, model, content.system, history, text, content.requestedOsl);
    // trace_fidelity counts a materialised turn's own text, the tail of the prompt (docs/synthesis.md §6.5).
    if (typeof body.prompt === 'string') historyChars = body.prompt.length - text.length;
    body = withRowExtra(body, content.extra);
  }
  return {
    ...id,
    model,
    body,
    json: JSON.stringify(body),
    streaming,
    clientIsl: null,
    requestedIsl: content.requestedIsl,
    requestedOsl: content.requestedOsl,
    traceLine: content.line,
    materialised: content.materialised,
    historyChars,
  };
}
