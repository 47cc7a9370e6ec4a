export { LOCAL_S3_CREDENTIALS, type LocalS3, type LocalS3Options, startLocalS3 } from "./s3-server";
export { openTestWarehouse, type TestWarehouse } from "./test-warehouse";
export { type LocalWarehouse, type LocalWarehouseOptions, startLocalWarehouse } from "./warehouse-server";
