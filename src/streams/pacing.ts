/**
 * Which lane a publish goes through, from the global pacing (`throttleInterval`, `throttleMode`) and
 * the optional per-topic rule (`topicThrottle`):
 * - no rule: the default lane (global pacing; one lane, so every such publish keeps call order);
 * - `'spaced'` with interval 0: unpaced (the default lane when that is unpaced too, keeping order);
 * - `'spaced'` with interval T > 0: a lane per topic, or per `lane` name when the rule gives one;
 * - `'latest'`: one conflation stage per interval, throttled per topic inside.
 *
 * @internal
 */
import { InvalidOptionsError } from '../connector/errors.js';
import type { ThrottleMode } from '../connector/types.js';
import { ConflatingLane, ImmediateLane, type Lane, type LaneHost, SpacedLane } from './lanes.js';
import { LatestStage } from './latest-stage.js';
import type { PublishJob } from './publish-job.js';
import type { TopicPacing, TopicThrottle } from './publish-types.js';

/** The global pacing settings. */
export interface PacingSettings {
  readonly interval: number;
  readonly mode: ThrottleMode;
  readonly topicThrottle: TopicThrottle | undefined;
}

/** Routes jobs to lanes, creating per-topic lanes on demand and dropping them when idle. */
export class LaneRouter {
  private readonly defaultLane: Lane;
  private readonly defaultKey: string;
  private readonly lanes = new Map<string, Lane>();
  private readonly keys = new Map<Lane, string>();

  constructor(
    private readonly host: LaneHost,
    private readonly settings: PacingSettings,
  ) {
    this.defaultKey = laneKey(settings.interval, settings.mode, undefined, '');
    this.defaultLane = createLane(host, settings.interval, settings.mode);
  }

  /** Per-topic (rule) lanes alive, besides the default one. */
  get size(): number {
    return this.lanes.size;
  }

  /** Sends `job` into its lane. @throws InvalidOptionsError when `topicThrottle` fails or returns nonsense. */
  submit(job: PublishJob): void {
    this.laneFor(job.topic).submit(job);
  }

  /** Lets every lane hand over what it can (after resume). */
  pumpAll(): void {
    this.defaultLane.pump();
    for (const lane of this.lanes.values()) lane.pump();
  }

  /** A lane reported it has nothing to do: forget it unless it is the default one. */
  release(lane: Lane): void {
    const key = this.keys.get(lane);
    if (key === undefined || !lane.isIdle()) return;
    this.lanes.delete(key);
    this.keys.delete(lane);
    lane.dispose();
  }

  /** Removes and returns every waiting job (pipeline closing). */
  drainWaiting(): PublishJob[] {
    const jobs = this.defaultLane.drainWaiting();
    for (const lane of this.lanes.values()) jobs.push(...lane.drainWaiting());
    return jobs;
  }

  /** Stops every lane's timers. */
  dispose(): void {
    this.defaultLane.dispose();
    for (const lane of this.lanes.values()) lane.dispose();
    this.lanes.clear();
    this.keys.clear();
  }

  private laneFor(topic: string): Lane {
    const rule = this.settings.topicThrottle === undefined ? undefined : this.ruleFor(topic);
    if (rule === undefined) return this.defaultLane;
    const interval = rule.interval ?? this.settings.interval;
    const mode = rule.mode ?? this.settings.mode;
    const key = laneKey(interval, mode, rule.lane, topic);
    if (key === this.defaultKey) return this.defaultLane;
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = createLane(this.host, interval, mode);
      this.lanes.set(key, lane);
      this.keys.set(lane, key);
    }
    return lane;
  }

  private ruleFor(topic: string): TopicPacing | undefined {
    let rule: unknown;
    try {
      rule = this.settings.topicThrottle?.(topic);
    } catch (error) {
      throw new InvalidOptionsError(`topicThrottle threw for ${JSON.stringify(topic)}: ${String(error)}`);
    }
    if (rule === undefined) return undefined;
    return checkRule(rule, topic);
  }
}

function createLane(host: LaneHost, interval: number, mode: ThrottleMode): Lane {
  if (mode === 'latest') return interval > 0 ? new LatestStage(host, interval) : new ConflatingLane(host);
  return interval > 0 ? new SpacedLane(host, interval) : new ImmediateLane(host);
}

/** Jobs with equal keys share a lane. */
function laneKey(interval: number, mode: ThrottleMode, lane: string | undefined, topic: string): string {
  if (mode === 'latest') return `latest ${interval}`;
  if (interval === 0) return 'immediate';
  if (topic === '') return `default ${interval}`;
  return lane === undefined ? `topic ${interval} ${topic}` : `lane ${interval} ${lane}`;
}

/** Validates a rule returned by `topicThrottle`. */
export function checkRule(rule: unknown, topic: string): TopicPacing {
  const where = `topicThrottle(${JSON.stringify(topic)})`;
  if (typeof rule !== 'object' || rule === null) {
    throw new InvalidOptionsError(`${where} must return an object or undefined`);
  }
  const { interval, mode, lane } = rule as Record<string, unknown>;
  if (interval !== undefined && !isInterval(interval)) {
    throw new InvalidOptionsError(`${where}.interval must be a finite number of milliseconds >= 0`);
  }
  if (mode !== undefined && mode !== 'spaced' && mode !== 'latest') {
    throw new InvalidOptionsError(`${where}.mode must be 'spaced' or 'latest'`);
  }
  if (lane !== undefined && typeof lane !== 'string')
    throw new InvalidOptionsError(`${where}.lane must be a string`);
  return rule as TopicPacing;
}

/** A finite, non-negative number. */
export function isInterval(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
