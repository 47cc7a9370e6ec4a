export { LOCAL_S3_CREDENTIALS, type LocalS3, type LocalS3Options, startLocalS3 } from "./s3-server";
export { type LocalWarehouse, type LocalWarehouseOptions, startLocalWarehouse } from "./warehouse-server";
