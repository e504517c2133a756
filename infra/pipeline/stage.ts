import { runStageProcess } from '@proctoflex/core';
import { pipelineStages } from './stages.ts';

/**
 * `npm run stage -- <name>`: runs one instance of a stage. Start more processes of the same
 * stage (each with its own STAGE_INSTANCE_ID and STAGE_HTTP_PORT) to share its partitions.
 */
runStageProcess('npm run stage --', pipelineStages);
