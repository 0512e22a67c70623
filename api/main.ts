// Standalone API process (docker-compose): DATABASE_URL is required here.
import { runProcess } from '../lib/process';
import { startApiServer } from './start-api';

runProcess('api', startApiServer);
