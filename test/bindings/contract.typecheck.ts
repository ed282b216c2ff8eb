// Compile-time check, not a vitest file: both generated declaration files (napi-rs's and
// wasm-bindgen's) satisfy the one binding contract in ts/src/trace-core/backend.ts, so a change
// in either binding that breaks it fails type-checking (`tsc -p tsconfig.bindings.json`, run by
// scripts/test.sh after the builds) instead of a test at run time.
import type * as Native from '../../bindings/napi/index.js';
import type * as Wasm from '../../bindings/wasm/pkg/node/trace_core_wasm.js';
import type { TraceCoreBindings } from '../../ts/src/trace-core/backend.js';

type Satisfies<T extends TraceCoreBindings> = T;

export type NativeBindings = Satisfies<typeof Native>;
export type WasmBindings = Satisfies<typeof Wasm>;
