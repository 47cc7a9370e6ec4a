export { openTestWarehouse, type TestWarehouse } from "./test-warehouse";
