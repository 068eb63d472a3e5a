import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { startFixture, rawCall } from './helpers.js';

type Page = { namespaces: { namespace: string; capacity?: { currentMode?: string } }[]; nextPageToken: string };

test('GetNamespaces pages through every namespace with page_token; other CloudService methods are UNIMPLEMENTED', async () => {
  const names = ['a.00001', 'b.00002', 'c.00003', 'd.00004', 'e.00005'];
  const f = await startFixture({ namespaces: names });
  try {
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await rawCall<Page>(f.sim.address, 'GetNamespaces', { pageSize: 2, pageToken: token });
      seen.push(...page.namespaces.map((n) => n.namespace));
      token = page.nextPageToken;
      pages += 1;
    } while (token !== '' && pages < 10);
    assert.deepEqual(seen, names);
    assert.equal(pages, 3);
    const one = await rawCall<Page>(f.sim.address, 'GetNamespaces', { name: 'c.00003' });
    assert.deepEqual(
      one.namespaces.map((n) => n.namespace),
      ['c.00003'],
    );

    const client = await import('@grpc/grpc-js');
    const raw = new client.Client(f.sim.address, client.credentials.createInsecure());
    const err = await new Promise<ServiceError | null>((resolve) => {
      raw.makeUnaryRequest(
        '/temporal.api.cloud.cloudservice.v1.CloudService/DeleteNamespace',
        (x: Buffer) => x,
        (x: Buffer) => x,
        Buffer.alloc(0),
        new client.Metadata(),
        { deadline: Date.now() + 5000 },
        (e) => resolve(e),
      );
    });
    raw.close();
    assert.equal(err?.code, status.UNIMPLEMENTED);
  } finally {
    await f.close();
  }
});
