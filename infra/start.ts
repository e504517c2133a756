import { runMain } from '@proctoflex/core';
import { loadInfraConfig } from './config.ts';
import { apiPort, startPipeline } from './local-pipeline.ts';
import { upServices } from './services.ts';

/** `npm start`: the services, then the whole pipeline on them; says where to sign in. */
runMain('npm start', async () => {
  const config = loadInfraConfig();
  await upServices(config);
  const secrets = await startPipeline(config);
  console.log(
    `\nProctoFlex runs: open http://127.0.0.1:${apiPort}/ and sign in as ${secrets.adminEmail} ` +
      `(password in ${config.SERVICES_DIR}/secrets.json). Logs: ${config.SERVICES_DIR}/pipeline/. ` +
      '`npm run demo` adds simulated candidates; `npm stop` stops everything.',
  );
});
