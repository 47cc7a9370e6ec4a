import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from "../src/index";

let s3: LocalS3;
let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "kr-s3-"));
  s3 = await startLocalS3({ directory, buckets: ["kr-test"], port: 0 });
});
afterAll(async () => {
  await s3.close();
  await rm(directory, { recursive: true, force: true });
});

it("stores, lists by hour prefix and returns objects through the real AWS SDK", async () => {
  const client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: LOCAL_S3_CREDENTIALS,
  });
  await client.send(
    new PutObjectCommand({ Bucket: "kr-test", Key: "events/2026/11/23/05/a.gz", Body: "one" }),
  );
  await client.send(
    new PutObjectCommand({ Bucket: "kr-test", Key: "events/2026/11/23/06/b.gz", Body: "two" }),
  );
  const listed = await client.send(
    new ListObjectsV2Command({ Bucket: "kr-test", Prefix: "events/2026/11/23/05/" }),
  );
  expect(listed.Contents?.map((object) => object.Key)).toEqual(["events/2026/11/23/05/a.gz"]);
  const got = await client.send(
    new GetObjectCommand({ Bucket: "kr-test", Key: "events/2026/11/23/06/b.gz" }),
  );
  expect(await got.Body?.transformToString()).toBe("two");
});
