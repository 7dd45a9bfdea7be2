// Embeddings off the event loop: a small pool of worker threads (1–2), each with its own copy of the local model.
// Requests queue in the parent and go to the first idle worker; a full queue or a slow answer fails fast, so a
// caller (the gateway's semantic lookup) can treat it as a miss instead of waiting.
import { Worker } from 'node:worker_threads';
import type { EmbedReply, EmbedRequest, WorkerStatus } from './embedding-worker.ts';
import type { EncodedText } from './embedder.ts';
import { setDeadline } from './deadline.ts';

export interface EmbeddingPoolOptions {
  workers?: number;
  /** Dir containing `all-MiniLM-L6-v2/` (default: the embedder's). */
  modelDir?: string;
  /** Requests waiting beyond this are refused at once (overload sheds semantic lookups, not requests). */
  maxQueue?: number;
}

export interface EmbeddingPool {
  /** Resolves when every worker has loaded the model. */
  ready(): Promise<void>;
  embed(text: string, timeoutMs?: number): Promise<Float32Array>;
  embedBatch(texts: string[], timeoutMs?: number): Promise<Float32Array[]>;
  /** Sentence vectors plus contextual word vectors (the semantic cache's verifier aligns those). */
  encode(text: string, timeoutMs?: number): Promise<EncodedText>;
  encodeBatch(texts: string[], timeoutMs?: number): Promise<EncodedText[]>;
  stats(): { workers: number; busy: number; queued: number };
  close(): Promise<void>;
}

export class EmbeddingUnavailableError extends Error {
  override name = 'EmbeddingUnavailableError';
}

interface Job {
  id: number;
  texts: string[];
  resolve(v: EncodedText[]): void;
  reject(e: Error): void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

// Compiled (dist/), the worker is the plain JavaScript next to this file. Run as TypeScript (development, tests), its
// entry is loaded through tsx's API, whatever flags the parent process was started with.
function spawnWorker(modelDir: string | undefined): Worker {
  if (import.meta.url.endsWith('.js')) return new Worker(new URL('./embedding-worker.js', import.meta.url), { workerData: { modelDir } });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./embedding-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true, execArgv: [], workerData: { modelDir } });
}

export function createEmbeddingPool(opts: EmbeddingPoolOptions = {}): EmbeddingPool {
  const size = Math.min(2, Math.max(1, opts.workers ?? 1));
  const maxQueue = opts.maxQueue ?? 64;
  const queue: Job[] = [];
  const pending = new Map<number, Job>();
  let nextId = 1;
  let closed = false;

  const slots: Slot[] = [];
  const readies: Array<Promise<void>> = [];
  for (let i = 0; i < size; i++) {
    const slot: Slot = { worker: spawnWorker(opts.modelDir), job: undefined };
    slots.push(slot);
    readies.push(
      new Promise<void>((resolve, reject) => {
        slot.worker.once('error', reject);
        slot.worker.once('message', (m: WorkerStatus) => (m.status === 'ready' ? resolve() : reject(new EmbeddingUnavailableError(m.error))));
      }).then(() => {
        slot.worker.on('message', (reply: EmbedReply) => finish(slot, reply));
        dispatch();
      }),
    );
    slot.worker.on('error', (err) => {
      if (slot.job) settle(slot.job, new EmbeddingUnavailableError(`embedding worker failed: ${err.message}`));
      slot.job = undefined;
    });
  }
  const allReady = Promise.all(readies).then(() => undefined);
  allReady.catch(() => undefined); // surfaced through ready() / embed()
  let workersUp = false;
  void allReady.then(() => (workersUp = true));

  function settle(job: Job, result: EncodedText[] | Error): void {
    clearTimeout(job.timer);
    pending.delete(job.id);
    if (result instanceof Error) job.reject(result);
    else job.resolve(result);
  }

  function finish(slot: Slot, reply: EmbedReply): void {
    const job = pending.get(reply.id);
    slot.job = undefined;
    if (job) settle(job, 'error' in reply ? new EmbeddingUnavailableError(reply.error) : reply.encoded);
    dispatch();
  }

  function dispatch(): void {
    if (!workersUp) return;
    for (const slot of slots) {
      if (slot.job || queue.length === 0) continue;
      const job = queue.shift()!;
      slot.job = job;
      slot.worker.postMessage({ id: job.id, texts: job.texts } satisfies EmbedRequest);
    }
  }

  function encodeBatch(texts: string[], timeoutMs?: number): Promise<EncodedText[]> {
    if (closed) return Promise.reject(new EmbeddingUnavailableError('embedding pool closed'));
    if (texts.length === 0) return Promise.resolve([]);
    if (queue.length >= maxQueue) return Promise.reject(new EmbeddingUnavailableError('embedding queue full'));
    return new Promise<EncodedText[]>((resolve, reject) => {
      const job: Job = { id: nextId++, texts, resolve, reject };
      if (timeoutMs !== undefined) {
        const expire = () => {
          if (!pending.has(job.id)) return; // answered meanwhile
          const at = queue.indexOf(job);
          if (at >= 0) queue.splice(at, 1);
          settle(job, new EmbeddingUnavailableError(`embedding took longer than ${timeoutMs} ms`));
        };
        job.timer = setDeadline(expire, timeoutMs);
      }
      pending.set(job.id, job);
      queue.push(job);
      dispatch();
    });
  }

  return {
    ready: () => allReady,
    encodeBatch,
    async encode(text, timeoutMs) {
      const [e] = await encodeBatch([text], timeoutMs);
      return e!;
    },
    async embedBatch(texts, timeoutMs) {
      return (await encodeBatch(texts, timeoutMs)).map((e) => e.vector);
    },
    async embed(text, timeoutMs) {
      const [e] = await encodeBatch([text], timeoutMs);
      return e!.vector;
    },
    stats: () => ({ workers: size, busy: slots.filter((s) => s.job).length, queued: queue.length }),
    async close() {
      closed = true;
      for (const job of [...pending.values()]) settle(job, new EmbeddingUnavailableError('embedding pool closed'));
      queue.length = 0;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
