export { behaviours, misbehaving, misconductWindows, type Behaviour } from './behaviours.ts';
export { scriptedSession, type SimulatedMedia } from './candidate.ts';
export { frameSize, sceneFrames, soundChunks, type Scene, type Sound } from './media.ts';
export { runSimulation } from './run.ts';
