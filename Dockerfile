# syntax=docker/dockerfile:1
# infermark in a container: the CLI on Node 20 with the trace core's WebAssembly build, so the
# runtime image needs no native addon and no toolchain. Used by `infermark k8s render` (its
# entrypoint is `infermark`; README "Scaling out"). Build from the repository root:
#   docker build -t REGISTRY/infermark:TAG .
# Stages: `wasm` compiles the core to WebAssembly (Rust), `build` compiles the TypeScript and
# keeps only the production dependencies, the last stage is the small runtime image.

# --- the trace core as WebAssembly ------------------------------------------------------------
FROM rust:1-bookworm AS wasm
WORKDIR /src
RUN rustup target add wasm32-unknown-unknown
# Every workspace member's manifest is needed to resolve the workspace, hence all of bindings/.
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
COPY bindings ./bindings
COPY scripts/build-wasm.sh ./scripts/build-wasm.sh
# Writes bindings/wasm/pkg/node (the Node glue) and bindings/wasm/pkg/web (the browser app's).
RUN bash scripts/build-wasm.sh

# --- the TypeScript build ---------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY ts ./ts
COPY scripts/build-web.mjs ./scripts/build-web.mjs
COPY --from=wasm /src/bindings/wasm/pkg ./bindings/wasm/pkg
RUN npx tsc -p tsconfig.json \
  && node scripts/build-web.mjs \
  && npm prune --omit=dev --no-audit --no-fund

# --- runtime ----------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    INFERMARK_BACKEND=wasm
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The prompt corpus (ts/src/tokenizer/corpus.ts looks for ts/assets/corpus.txt above dist/).
COPY --from=build /app/ts/assets ./ts/assets
COPY --from=build /app/bindings/wasm/pkg/node ./bindings/wasm/pkg/node
RUN chmod 755 dist/bin.js \
  && ln -s /app/dist/bin.js /usr/local/bin/infermark \
  && mkdir /work && chown 1000:1000 /work
# The image's `node` user, by number, so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
WORKDIR /work
ENTRYPOINT ["infermark"]
CMD ["--help"]
