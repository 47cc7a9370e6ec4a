// Moved to @kr/contract (keys.ts: one key layout for the loader and the local Firehose).
export {
  type FirehoseObjectName,
  firehoseObjectKey,
  hourOfKey,
  hourPrefix,
  streamPrefix,
} from "@kr/contract";
