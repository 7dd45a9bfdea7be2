// The package ships no types. It is the slot function ioredis and node-redis themselves route commands with.
declare module 'cluster-key-slot' {
  /** The Redis Cluster slot (0–16383) of a key: CRC16 of its hash tag `{…}` if it has one, else of the whole key. */
  export default function calculateSlot(key: string | Buffer): number;
}
