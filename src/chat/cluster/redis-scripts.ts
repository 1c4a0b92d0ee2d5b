// The chat cluster's layout in Redis: the Lua scripts that make a claim, a release and a state change atomic,
// and the reading of a node's users hash. Keys: <prefix>name:<name key> (holder node), <prefix>node:<id> (its
// lease), <prefix>nodes (every node id), <prefix>users:<id> (name key -> record, and the sequence number),
// <prefix>group:<group key> (the spelling of a group being created, for a lease).
import type { Result } from 'ioredis';
import { nameKey } from '../../text/names.js';
import { decodeUserRecord, type UserRecord } from './events.js';

export const SEQ_FIELD = '~seq';

// A name is free when nobody holds it, or its holder's lease is gone (the node died).
export const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. holder) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;
// One state change in one command: the user's entry written or removed, names given back, the node's sequence
// number, and the event on the bus. ARGV: seq, channel, message, name-key prefix, node, number of writes, then
// field/value pairs (an empty value removes the field), then the name keys to give back.
export const CHANGE = `
local writes = tonumber(ARGV[6])
local i = 7
for _ = 1, writes do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
while i <= #ARGV do
  local name = ARGV[4] .. ARGV[i]
  if redis.call('GET', name) == ARGV[5] then redis.call('DEL', name) end
  i = i + 1
end
redis.call('HSET', KEYS[1], '~seq', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;
// A group's spelling: the first claim's, kept for ARGV[2] ms after the last claim; by then every node has the
// group in its view (or its own), and spells it from there.
export const CLAIM_GROUP = `
local spelling = redis.call('GET', KEYS[1]) or ARGV[1]
redis.call('SET', KEYS[1], spelling, 'PX', ARGV[2])
return spelling`;
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    pwClaim(key: string, me: string, leasePrefix: string): Result<number, Context>;
    pwRelease(key: string, me: string): Result<number, Context>;
    pwClaimGroup(key: string, spelling: string, ttlMs: string): Result<string, Context>;
    pwChange(users: string, ...args: string[]): Result<number, Context>;
  }
}

export function parseUsersHash(hash: Record<string, string>): {
  seq: number;
  records: Map<string, UserRecord>;
} {
  const records = new Map<string, UserRecord>();
  let seq = 0;
  for (const [field, value] of Object.entries(hash)) {
    if (field === SEQ_FIELD) {
      seq = Number(value) || 0;
      continue;
    }
    const record = decodeUserRecord(value);
    if (record && nameKey(record.name) === field) records.set(field, record);
  }
  return { seq, records };
}
