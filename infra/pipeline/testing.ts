import { changelogTopicOf } from '@proctoflex/core';
import {
  createTestTopics,
  killStage,
  spawnStage,
  TestTopics,
  uniqueName,
  type StageProcess,
} from '@proctoflex/core/testing';
import type { Kafka } from 'kafkajs';
import { processorStages, stageTopics } from './stages.ts';

/** A stage a test runs: its stage name (group proctoflex.<stageName>), its process, the topics it consumes. */
export interface TestStage {
  readonly name: string;
  readonly stageName: string;
  readonly process: StageProcess;
  readonly inputs: readonly string[];
}

/** A test's own copy of the pipeline: every topic under fresh names, and the stages it runs on them. */
export class TestPipeline extends TestTopics {
  private readonly stages: TestStage[] = [];

  static override async create(kafka: Kafka, prefix: string, numPartitions = 3): Promise<TestPipeline> {
    const { topics, serde } = await createTestTopics(kafka, prefix, numPartitions);
    return new TestPipeline(kafka, topics, serde);
  }

  /**
   * Runs stage `name` as its own process (`npm run stage`) on these topics, with `env` on top,
   * under `stageName` (its group is proctoflex.<stageName>); close() kills it.
   */
  spawnStage(name: string, env: Record<string, string> = {}, stageName = uniqueName(`it-${name}`)): TestStage {
    const stageEnv = { ...this.topics, STAGE_NAME: stageName, ...env };
    const stage = {
      name,
      stageName,
      process: spawnStage('infra/pipeline/stage.ts', name, stageEnv),
      inputs: stageTopics(name, stageEnv).inputs,
    };
    this.stages.push(stage);
    return stage;
  }

  /** Resolves once `stage` has committed the end of each of its inputs. */
  async stageCaughtUp(stage: TestStage, timeoutMs?: number): Promise<void> {
    await Promise.all(stage.inputs.map((topic) => this.topicCaughtUp(stage.stageName, topic, timeoutMs)));
  }

  /**
   * Runs stage `name` until it has processed everything in its inputs (it goes on running);
   * resolves with its stage name.
   */
  async processAll(name: string, env: Record<string, string> = {}): Promise<string> {
    const stage = this.spawnStage(name, env);
    await stage.process.started;
    await this.stageCaughtUp(stage);
    return stage.stageName;
  }

  /** Runs the processors (the stages that write scores), side by side, until each has scored everything. */
  async scoreAll(): Promise<void> {
    await Promise.all(processorStages.map(({ name }) => this.processAll(name)));
  }

  /** Kills the stages it ran and removes the topics, their changelogs included. */
  override async close(): Promise<void> {
    await Promise.all(this.stages.map(({ process }) => killStage(process)));
    // Instances of one stage share a changelog; a topic named twice makes the request invalid.
    await super.close([...new Set(this.stages.map(({ stageName }) => changelogTopicOf(stageName)))]);
  }
}
