# One image for the gateway and the consumers (docker-compose.yml picks the entry point).
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY schemas ./schemas
COPY lib ./lib
COPY gateway ./gateway
COPY consumers ./consumers
COPY clickhouse ./clickhouse
COPY cli ./cli
USER node
EXPOSE 4000
CMD ["node", "--import", "tsx", "gateway/main.ts"]
