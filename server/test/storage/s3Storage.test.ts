import { AbortMultipartUploadCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_STORAGE, settledFile, startTestServer, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, patchUpload, randomData, sha256, uploadFile } from '../helpers/tus.js';

const MiB = 1024 * 1024;

/**
 * What only S3 has: tus' objects beside the bytes (`<id>.info`, the incomplete tail `<id>.part`),
 * parts of S3_PART_SIZE, and reads by range. Runs in the S3 matrix (pnpm test:s3).
 */
describe.skipIf(TEST_STORAGE !== 's3')('S3 storage (Ceph RADOS Gateway)', () => {
  let s: TestServer;
  let token: string;
  let client: S3Client;
  let bucket: string;

  beforeAll(async () => {
    s = await startTestServer();
    token = (await s.api.newUser()).token;
    const config = s.config.storage;
    if (config.kind !== 's3') throw new Error('not on S3');
    bucket = config.bucket;
    client = new S3Client({
      endpoint: config.endpoint!,
      region: config.region,
      forcePathStyle: true,
      credentials: config.credentials!,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    client?.destroy();
    await s?.stop();
  });

  const objects = async (prefix: string) => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  };

  it('keeps an interrupted upload as parts plus an incomplete tail, and a DELETE removes every object of it', async () => {
    const data = randomData(3 * MiB + 1234);
    const upload = await createUpload(s.api, token, { length: data.length * 2, metadata: { filename: 'half.bin' } });
    // Under S3's 5 MiB minimum for a part that is not the last, the bytes wait as the tail `<id>.part`.
    expect((await patchUpload(s.api, token, upload.path, 0, data)).status).toBe(204);
    expect(await objects(upload.id)).toEqual([`${upload.id}.info`, `${upload.id}.part`]);
    const res = await s.api.request('DELETE', upload.path, { token, headers: TUS_RESUMABLE });
    expect(res.status).toBe(204);
    expect(await objects(upload.id)).toEqual([]);
  });

  it('answers an upload whose multipart upload is gone but whose info is not (the expiry sweep between the two) as gone, not complete', async () => {
    const upload = await createUpload(s.api, token, { length: 100, metadata: { filename: 'aborted.bin' } });
    expect((await patchUpload(s.api, token, upload.path, 0, Buffer.from('abc'))).status).toBe(204);
    const info = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${upload.id}.info` }));
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.id, UploadId: info.Metadata!['upload-id'] }));
    // @tus/s3-store alone took it for a completed upload: HEAD 200 with all 100 bytes, a late PATCH 409.
    const head = await s.api.request('HEAD', upload.path, { token, headers: TUS_RESUMABLE });
    expect(head.status).toBe(404);
    const late = await patchUpload(s.api, token, upload.path, 3, Buffer.from('def'));
    expect(late.status).toBe(404);
    expect(await objects(upload.id)).not.toContain(upload.id);
  });

  it('stores a multi-part file whole, and deleting the file leaves no object of it or its derived files', async () => {
    const data = randomData(20 * MiB + 77);
    const upload = await createUpload(s.api, token, { length: data.length, metadata: { filename: 'parts.bin' } });
    // Three requests of odd sizes: whole parts, tails carried over from one request to the next.
    for (const [from, to] of [
      [0, 5 * MiB + 3],
      [5 * MiB + 3, 17 * MiB],
      [17 * MiB, data.length],
    ] as const) {
      expect((await patchUpload(s.api, token, upload.path, from, data.subarray(from, to))).status).toBe(204);
    }
    const file = await settledFile(s.api, token, upload.id);
    expect(file.sha256).toBe(sha256(data));
    expect(await objects(upload.id)).toEqual([upload.id, `${upload.id}.info`]);
    expect((await s.api.delete(`/api/files/${upload.id}`, token)).status).toBe(204);
    expect(await objects(upload.id)).toEqual([]);
    expect(await objects(`derived/${upload.id}/`)).toEqual([]);
  });

  it('serves Range reads at random offsets from the object, byte-exact', async () => {
    const data = randomData(9 * MiB + 5);
    const id = await uploadFile(s.api, token, data, { filename: 'ranges.bin' });
    for (let i = 0; i < 12; i++) {
      const start = Math.floor(Math.random() * data.length);
      const end = Math.min(data.length - 1, start + Math.floor(Math.random() * 2 * MiB));
      const res = await fetch(`${s.url}/api/files/${id}/content`, { headers: { authorization: `Bearer ${token}`, range: `bytes=${start}-${end}` } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${data.length}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(data.subarray(start, end + 1))).toBe(true);
    }
  });

  it('puts a thumbnail in the bucket and serves it from there', async () => {
    const sharp = (await import('sharp')).default;
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const id = await uploadFile(s.api, token, png, { filename: 'pic.png' });
    expect((await settledFile(s.api, token, id)).extracted).toMatchObject({ thumbnail: true });
    expect(await objects(`derived/${id}/`)).toEqual([`derived/${id}/thumbnail.webp`]);
    const thumb = await fetch(`${s.url}/api/files/${id}/thumbnail`, { headers: { authorization: `Bearer ${token}` } });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
  });
});
