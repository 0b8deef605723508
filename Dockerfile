# NeuroPod control plane image: `docker build -t neuropod:0.1.0 .`
# The server runs TypeScript directly with tsx (no separate compile step), as `npm start` does.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# The whole tree at once: npm workspaces (apps/*, packages/*) must all be present for `npm ci`.
COPY . .
RUN npm ci --no-audit --no-fund
# Builds the web UI when its workspace has a build script; then drops development dependencies.
RUN npm run build --workspaces --if-present && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    NEUROPOD_DATA_DIR=/data \
    NEUROPOD_WEB_DIST=/app/apps/web/dist
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# The embedded database (single replica without DATABASE_URL) keeps its files here.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "apps/server/src/main.ts"]
