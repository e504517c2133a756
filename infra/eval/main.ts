import { writeFileSync } from 'node:fs';
import { runMain } from '@proctoflex/core';
import { surveillanceLevels } from './evaluate.ts';
import { reportOf } from './report.ts';
import { evaluateDetection } from './run.ts';

/**
 * `npm run eval:detection [-- <part of a sequence id> …] [--json <file>]`: runs the labelled
 * sequences through the stages' decision code and prints recall, precision, time to alert per
 * behaviour and level, false alerts per honest candidate-hour and the identity error rates.
 */
runMain('eval-detection', async () => {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
  const only = args.filter((_, index) => jsonAt < 0 || (index !== jsonAt && index !== jsonAt + 1));
  const figures = await evaluateDetection(only, (results, seconds) =>
    process.stderr.write(
      `${results.map((result) => result.sequence.id).join(', ')}: ${results.reduce((sum, result) => sum + result.frames, 0)} frames in ${seconds.toFixed(0)} s\n`,
    ),
  );
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`${reportOf(figures, surveillanceLevels)}\n`);
});
