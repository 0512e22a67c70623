// Standalone worker process (docker-compose): DATABASE_URL is required here, and PROVIDER_URL when it serves mailings.
import { runProcess } from '../lib/process';
import { installTemporalRuntime } from './runtime';
import { startWorker } from './start-worker';

runProcess('worker', async (deps) => {
  installTemporalRuntime(deps.logger, { handleSignals: false }); // runProcess closes the worker on SIGINT/SIGTERM
  return startWorker(deps);
});
