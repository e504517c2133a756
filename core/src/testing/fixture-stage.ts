import { runStageProcess } from '../stage/main.ts';
import { copyStage, countStage, lookupStage } from './stages.ts';

/** The binary of the runtime's test fixtures: `node --import tsx core/src/testing/fixture-stage.ts fixture-copy`. */
runStageProcess('core/src/testing/fixture-stage.ts', [copyStage, countStage, lookupStage]);
