// The baseline a gateway is measured against: bare fastify + undici forwarding the body to the upstream.
import Fastify from 'fastify';
import { Pool } from 'undici';

const upstream = process.env.UPSTREAM!;
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async (request, reply) => {
  const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body) });
  reply.status(res.statusCode).header('content-type', res.headers['content-type'] as string);
  return reply.send(await res.body.text());
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
// Exit normally on SIGTERM so `--cpu-prof` (HELIX_BENCH_PROFILE) gets to write its profile.
process.on('SIGTERM', () => process.exit(0));
