// How a consume loop is set up (runner.ts) and what a running one offers.
import type { Kafka } from 'kafkajs';
import type { TopicId } from '../../schemas/topics.ts';
import type { Sink } from './sink.ts';

export interface ConsumerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: TopicId[];
  topicPrefix?: string;
  sink: Sink<T>;
  miniBatch?: number;
  fromBeginning?: boolean;
  maxBackoffMs?: number;
  /** Batch across partitions: one sink write per `maxItems` messages or `lingerMs`, whichever comes first. */
  batch?: { maxItems: number; lingerMs: number };
  /** Serve the process's consumer metrics (lag …) on this port (shared by every group of the process). */
  metricsPort?: number;
}

export interface ConsumerStats {
  written: number;
  deadLettered: number;
  retrying: boolean;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  stats(): ConsumerStats;
}
