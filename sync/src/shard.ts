import type { Shard } from './config.js';

/** 32-bit FNV-1a of the UTF-8 bytes: stable across processes, versions and platforms. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The shard a database belongs to among `count` shards. */
export function shardOfDatabase(dbName: string, count: number): number {
  return fnv1a32(dbName) % count;
}

/** Whether this process owns a database: exactly one of i/n for i in 0..n-1 does. */
export function ownsDatabase(shard: Shard, dbName: string): boolean {
  return shardOfDatabase(dbName, shard.count) === shard.index;
}

export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
