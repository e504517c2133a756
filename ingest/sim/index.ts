export { behaviourOf, behaviours, misbehaving, misconductWindows, type Behaviour } from './behaviours.ts';
export { scriptedExam, scriptedSession } from './candidate.ts';
export { frameSize, sceneFrames, simulatedMedia, soundChunks, type Scene, type SimulatedMedia } from './media.ts';
export { runSimulation } from './run.ts';
