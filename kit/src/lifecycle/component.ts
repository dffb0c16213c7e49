/** A part of a service that starts and stops: a server, a pool, a feed follower. */
export interface Component {
  /** How logs name it: "the gateway", "the analysis pool". */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** While stopping: what it still waits for ("3 requests in flight"), or undefined. */
  pending?(): string | undefined;
}
