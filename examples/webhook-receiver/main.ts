/**
 * A runnable Relay webhook receiver that prints each verified event as one JSON line on stdout.
 *
 *   WEBHOOK_SECRET=whsec_... PORT=4000 npx tsx examples/webhook-receiver/main.ts
 *
 * During a secret rotation WEBHOOK_SECRET may hold several secrets separated by spaces.
 */
import { createServer } from 'node:http';
import { createWebhookReceiver } from './receiver';

function requiredSecrets(): string[] {
  const secrets = (process.env.WEBHOOK_SECRET ?? '').split(/\s+/).filter((s) => s !== '');
  if (secrets.length === 0) throw new Error('WEBHOOK_SECRET is required (whsec_..., several separated by spaces)');
  return secrets;
}

const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';

const server = createServer(
  createWebhookReceiver({
    secrets: requiredSecrets(),
    onEvent: (event) => {
      process.stdout.write(`${JSON.stringify(event)}\n`);
    },
  }),
);

server.listen(port, host, () => console.error(`webhook receiver listening on http://${host}:${port}/`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
  });
}
