export {
  makeRecords,
  type RecordOptions,
  seededRandom,
  streamColumns,
  streamRecords,
  type TestRecord,
  tempTableDdl,
} from "./records";
export { openTestWarehouse, type TestWarehouse } from "./test-warehouse";
