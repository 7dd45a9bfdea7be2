// Liveness and readiness. Ready = this gateway can serve requests; a Kafka outage does not make it unready
// (events spool), it is reported in the body.
import type { FastifyInstance } from 'fastify';

export interface ComponentHealth {
  status: 'up' | 'down' | 'degraded' | 'disabled';
  [detail: string]: unknown;
}

export interface HealthProbe {
  shuttingDown(): boolean;
  components(): Promise<Record<string, ComponentHealth>>;
}

export function healthRoutes(app: FastifyInstance, probe: HealthProbe): void {
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const components = await probe.components();
    const ready = !probe.shuttingDown();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'shutting_down', components });
  });
}
