import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, runMain, tokenSecretSpec } from '@proctoflex/core';
import { behaviours, type Behaviour } from './behaviours.ts';
import { mintSessions, runSimulation } from './run.ts';

const usage = `usage: npm run sim -- [--candidates N] [--duration SECONDS] [--gateway URL] [--exam ID]
       [--behaviour ${behaviours.join('|')}] [--truth FILE]
Streams N simulated candidates into the gateway (tokens signed with INGEST_TOKEN_SECRET) and prints
a JSON report every 10 s; --truth writes who misbehaved when (the ground truth) to FILE.`;

runMain('sim', async () => {
  const { values } = parseArgs({
    options: {
      candidates: { type: 'string', default: '10' },
      duration: { type: 'string', default: '60' },
      gateway: { type: 'string', default: 'http://127.0.0.1:8080' },
      exam: { type: 'string', default: 'exam-sim' },
      behaviour: { type: 'string' },
      truth: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const candidates = Number(values.candidates);
  const durationSeconds = Number(values.duration);
  const behaviour = values.behaviour as Behaviour | undefined;
  if (
    values.help ||
    !Number.isInteger(candidates) ||
    candidates <= 0 ||
    !(durationSeconds > 0) ||
    (behaviour !== undefined && !behaviours.includes(behaviour))
  ) {
    throw new ConfigError(usage);
  }
  const { INGEST_TOKEN_SECRET } = loadConfig(tokenSecretSpec);
  const result = await runSimulation({
    gatewayUrl: values.gateway,
    sessions: mintSessions(INGEST_TOKEN_SECRET, values.exam, candidates, durationSeconds + 3600),
    durationSeconds,
    behaviourOf: behaviour && (() => behaviour),
    rampSeconds: Math.min(10, candidates / 200),
    reportEverySeconds: 10,
    onReport: (report) => console.log(JSON.stringify(report)),
  });
  if (values.truth) writeFileSync(values.truth, JSON.stringify(result.truth, null, 2));
  console.log(JSON.stringify({ done: true, candidates, unackedRecords: result.unackedRecords }));
});
