import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, repoPath, runMain, stopOnSignals } from '@proctoflex/core';
import { loadInfraConfig } from './config.ts';
import { localSecrets, pipelineProcesses } from './local-pipeline.ts';
import { Supervised } from './supervised.ts';

/** Longest drain of any pipeline process (a stage's STAGE_SHUTDOWN_TIMEOUT_MS), with room to spare. */
const drainMs = 45_000;

/**
 * The local pipeline's supervisor, started detached by `npm start`: runs the gateway, the stages
 * and the API, starts each again with backoff when it exits unasked, logs that (JSON lines in
 * supervisor.log) and counts it in `.services/pipeline/status.json`. SIGTERM (`npm stop`) drains
 * them all and exits.
 */
runMain('supervisor', () => {
  const config = loadInfraConfig();
  const directory = path.join(config.SERVICES_DIR, 'pipeline');
  const logger = createLogger('supervisor', config.LOG_LEVEL);
  const statusFile = path.join(directory, 'status.json');
  const writeStatus = () =>
    writeFileSync(
      statusFile,
      JSON.stringify(Object.fromEntries(supervised.map(({ name, status }) => [name, status])), null, 2),
    );
  const supervised: Supervised[] = pipelineProcesses(localSecrets(config)).map(
    ({ name, entry, args, env }) =>
      new Supervised(
        name,
        {
          file: process.execPath,
          args: ['--import', 'tsx', repoPath(entry), ...args],
          // eslint-disable-next-line no-restricted-properties -- each process gets this environment plus its own variables
          env: { ...process.env, ...env },
          cwd: repoPath('.'),
        },
        directory,
        logger,
        writeStatus,
      ),
  );
  stopOnSignals(logger, drainMs + 5000, () => Promise.all(supervised.map((each) => each.stop(drainMs))).then(() => {}));
  for (const each of supervised) each.start();
  logger.info({ processes: supervised.map(({ name }) => name) }, 'supervising');
  return Promise.resolve();
});
