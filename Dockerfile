# Two stages: `build` compiles the TypeScript to dist/ and bundles the dashboard to dist-ui/ (npm run build); the image
# runs that JavaScript with plain node and production dependencies only, and serves dist-ui/ under /ui/. One image for the gateway and the consumers (docker-compose.yml picks the entry).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: the lock file lacks chdb's other-platform packages, which npm ci refuses (stack/bootstrap.sh);
# npm install still installs exactly the locked versions.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY lib ./lib
COPY clickhouse ./clickhouse
COPY core ./core
COPY gateway ./gateway
COPY consumers ./consumers
COPY cli ./cli
COPY ui ./ui
COPY stack/build-ui.ts ./stack/build-ui.ts
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/dist-ui ./dist-ui
# Read at run time from the package root (clickhouse/migrate.ts), not compiled.
COPY clickhouse/migrations ./clickhouse/migrations
USER node
EXPOSE 4000
CMD ["node", "dist/gateway/main.js"]
