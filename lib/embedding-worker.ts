// One embedding worker thread: loads all-MiniLM-L6-v2 once, then encodes the batches its pool sends, one at a time
// (sentence vectors and contextual word vectors, see lib/embedder.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { createEmbedder, type EncodedText } from './embedder.ts';

export interface EmbedRequest {
  id: number;
  texts: string[];
}
export type EmbedReply = { id: number; encoded: EncodedText[] } | { id: number; error: string };
export type WorkerStatus = { status: 'ready' } | { status: 'failed'; error: string };

const port = parentPort!;
const embedder = createEmbedder({ modelDir: (workerData as { modelDir?: string } | undefined)?.modelDir });

async function handle(req: EmbedRequest): Promise<void> {
  try {
    const encoded = await embedder.encode(req.texts);
    port.postMessage({ id: req.id, encoded } satisfies EmbedReply, encoded.flatMap((e) => [e.vector.buffer as ArrayBuffer, e.wordVectors.buffer as ArrayBuffer]));
  } catch (err) {
    port.postMessage({ id: req.id, error: (err as Error).message } satisfies EmbedReply);
  }
}

try {
  await embedder.ready();
  port.on('message', (req: EmbedRequest) => void handle(req));
  port.postMessage({ status: 'ready' } satisfies WorkerStatus);
} catch (err) {
  port.postMessage({ status: 'failed', error: (err as Error).message } satisfies WorkerStatus);
}
