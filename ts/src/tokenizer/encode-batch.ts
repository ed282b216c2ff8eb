// Encoding batches of texts to token ids in this thread (no Node import: the browser app's worker
// runs it too); ./batch-encoder.ts adds the encoder on a worker thread that the CLI uses.
import { encodeBounded, type TokenEncoder } from './count-windows.js';

/** The token ids of a batch of texts: text k's ids are `tokens[offsets[k] … offsets[k+1])`. */
export interface EncodedBatch {
  tokens: Uint32Array;
  offsets: Uint32Array;
  /** How many texts held a word longer than a window, so that their ids are an estimate (./long-words.ts). */
  estimated: number;
}

/** Encodes batches of texts (no special tokens added); long words are cut into windows. */
export interface BatchEncoder {
  encodeBatch(texts: readonly string[]): Promise<EncodedBatch>;
  /** Stop the worker thread, if any (a batch still running is abandoned). */
  close(): Promise<void>;
}

/** Encode a batch in this thread (as `encodeBounded` does each text). */
export function encodeTexts(encoder: TokenEncoder, texts: readonly string[]): EncodedBatch {
  const encoded = texts.map((text) => encodeBounded(encoder, text));
  const offsets = new Uint32Array(encoded.length + 1);
  let estimated = 0;
  encoded.forEach((e, i) => {
    offsets[i + 1] = offsets[i]! + e.ids.length;
    if (e.estimated) estimated += 1;
  });
  const tokens = new Uint32Array(offsets[encoded.length]!);
  encoded.forEach((e, i) => {
    tokens.set(e.ids, offsets[i]);
  });
  return { tokens, offsets, estimated };
}

/** A batch encoder that runs `encoder` in this thread (tests, programmatic use with a stub tokenizer). */
export function inlineBatchEncoder(encoder: TokenEncoder): BatchEncoder {
  return {
    encodeBatch: async (texts) => encodeTexts(encoder, texts),
    async close() {},
  };
}
