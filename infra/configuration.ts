import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { apiSpec } from '@proctoflex/api';
import { repoPath, servicesSpec, stageRunnerSpec, topicsSpec, type ConfigSpec } from '@proctoflex/core';
import { ingestSpec } from '@proctoflex/ingest';
import { pipelineStages } from '@proctoflex/pipeline';
import { desktopSpec } from '../desktop/src/config.ts';
import { infraSpec } from './config.ts';
import { evaluationSpec } from './eval/config.ts';

/**
 * docs/configuration.md, rendered from the config specs every process validates at start (one
 * section per process): `npm run docs:config` writes it, a test checks it is up to date.
 */
export const configurationFile = 'docs/configuration.md';

const shared = new Set([...Object.keys(servicesSpec), ...Object.keys(topicsSpec)]);

function table(spec: ConfigSpec, leaveOut: ReadonlySet<string> = shared): string {
  const rows = Object.entries(spec)
    .filter(([name]) => !leaveOut.has(name))
    .map(([name, { defaultValue, shownDefault, secret, doc }]) => {
      // Paths in the checkout are shown relative to it: the reference is the same on every machine.
      const inCheckout = defaultValue?.replace(`${repoPath('.')}/`, '<checkout>/');
      const shown = shownDefault ?? (inCheckout === undefined ? undefined : `\`${inCheckout}\``);
      const defaultText = shown ?? (secret ? '(required, secret)' : '(required)');
      return `| \`${name}\` | ${defaultText} | ${doc.replaceAll('|', '\\|')} |`;
    });
  if (rows.length === 0) return 'Nothing of its own.\n';
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n') + '\n';
}

/** The reference as prettier lays it out (npm test checks formatting too). */
export async function renderConfiguration(): Promise<string> {
  const options = await prettier.resolveConfig(repoPath(configurationFile));
  return prettier.format(unformatted(), { ...options, parser: 'markdown' });
}

function unformatted(): string {
  const topicsUsed = (spec: ConfigSpec) =>
    Object.keys(spec)
      .filter((name) => name in topicsSpec)
      .map((name) => `\`${name}\``)
      .join(', ');
  const stageSections = pipelineStages.map(
    ({ name, spec }) => `### ${name}\n\nTopics: ${topicsUsed(spec) || 'none'}.\n\n${table(spec)}`,
  );
  return `<!-- Generated from the config specs by \`npm run docs:config\` (infra/configuration.ts); a test checks it is up to date. -->

# Configuration

Every process reads its configuration from environment variables and validates all of them at
start: a missing or malformed one stops it with a message that names each variable to fix. An
unknown variable with a process's own prefix (\`INGEST_\`, \`API_\`, \`STAGE_\`, \`FACE_\` …) is
refused too, so a typo never leaves a default in force.

## Every server process

The services it talks to; each may point at an external server.

${table(servicesSpec, new Set())}
## Topics

The pipeline's topics (infra/kafka/topics). A process takes the name of each topic it reads or
writes from these; tests and side-by-side deployments point processes at their own.

${table(topicsSpec, new Set())}
## Ingest gateway (\`npm run ingest\`)

${table(ingestSpec)}
## API (\`npm run api\`)

${table(apiSpec)}
## Stages (\`npm run stage -- <name>\`)

Every stage process takes the runner's variables:

${table(stageRunnerSpec, new Set(Object.keys(topicsSpec)))}
and its own, below (a stage may set another default for a runner variable).

${stageSections.join('\n')}
## Desktop (\`npm run desktop\`)

${table(desktopSpec)}
## Detection evaluation (\`npm run eval:detection\`)

${table(evaluationSpec)}
## Local services (\`npm start\`, \`npm test\`)

${table(infraSpec)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  writeFileSync(repoPath(configurationFile), await renderConfiguration());
