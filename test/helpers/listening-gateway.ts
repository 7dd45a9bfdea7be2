// A testGateway on a loopback port, for clients that need a URL (the official SDKs), and its prompt shutdown.
import { testGateway, type TestGateway } from './app.ts';

export interface ListeningGateway extends TestGateway {
  /** `http://127.0.0.1:PORT` */
  url: string;
  close(): Promise<void>;
}

export async function listeningGateway(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<ListeningGateway> {
  const gw = await testGateway(yaml, env);
  await gw.app.listen({ port: 0, host: '127.0.0.1' });
  const address = gw.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    ...gw,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      // The SDK's keep-alive sockets would hold close() open until they time out.
      const closing = gw.app.close();
      gw.app.server.closeAllConnections();
      await closing;
    },
  };
}
