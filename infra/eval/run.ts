import { rulesFor, type SurveillanceLevel } from '@proctoflex/core';
import { identityThreshold } from '@proctoflex/inference';
import { DetectionEvaluation, policyAt, type SequenceResult } from './evaluate.ts';
import { figuresOf, type Figures } from './metrics.ts';
import { labelledSequences } from './sequences.ts';

/** Sequences evaluated side by side, their frames sharing model calls as many sessions' do in a stage. */
const sequencesTogether = 8;

/**
 * Runs every labelled sequence (or those whose id contains one of `only`) through the stages'
 * decision code and returns the figures; `progress` hears of each sequence as it is done.
 */
export async function evaluateDetection(
  only: readonly string[] = [],
  progress: (results: readonly SequenceResult[], seconds: number) => void = () => undefined,
): Promise<Figures> {
  const evaluation = await DetectionEvaluation.open();
  try {
    const results: SequenceResult[] = [];
    const sequences = labelledSequences().filter(
      (sequence) => only.length === 0 || only.some((part) => sequence.id.includes(part)),
    );
    for (let start = 0; start < sequences.length; start += sequencesTogether) {
      const started = Date.now();
      const group = await evaluation.run(sequences.slice(start, start + sequencesTogether));
      results.push(...group);
      progress(group, (Date.now() - started) / 1000);
    }
    const rulesAt = (level: SurveillanceLevel) => new Set(rulesFor(policyAt(level)).map((rule) => rule.name));
    const rulesOn = { LOW: rulesAt('LOW'), STANDARD: rulesAt('STANDARD'), STRICT: rulesAt('STRICT') };
    return figuresOf(results, rulesOn, identityThreshold);
  } finally {
    await evaluation.close();
  }
}
