import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, mintIngestToken, runMain, tokenSecretSpec } from '@proctoflex/core';

/**
 * `npm run ingest:token -- --session S --exam E --candidate C [--ttl SECONDS]`: prints an ingest
 * token signed with INGEST_TOKEN_SECRET, as the API issues when a session starts.
 */
runMain('ingest:token', () => {
  const { values } = parseArgs({
    options: {
      session: { type: 'string' },
      exam: { type: 'string' },
      candidate: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
    },
  });
  const ttlSeconds = Number(values.ttl);
  if (!values.session || !values.exam || !values.candidate || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new ConfigError('usage: npm run ingest:token -- --session S --exam E --candidate C [--ttl SECONDS]');
  }
  const { INGEST_TOKEN_SECRET } = loadConfig(tokenSecretSpec);
  console.log(
    mintIngestToken(
      INGEST_TOKEN_SECRET,
      { sessionId: values.session, examId: values.exam, candidateId: values.candidate },
      ttlSeconds,
    ),
  );
  return Promise.resolve();
});
