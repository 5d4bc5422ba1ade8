// HTTP/2 receive windows: the server advertises the wide stream window in its SETTINGS and
// widens the connection window, so a peer streaming large batches is not paced by 64 KiB
// WINDOW_UPDATE round trips. Checked from a raw HTTP/2 client over 127.0.0.1.
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { test } from 'node:test';
import { createGrpcServer, defaultStreamWindowBytes } from './server.js';
import { echoService } from './testing/echo-service.js';

test('the server advertises its wide stream window to every connection', async () => {
  const server = createGrpcServer([echoService()]);
  const port = await server.listen('127.0.0.1', 0);
  try {
    assert.equal(server.windowedListeners, 1, 'grpc-js listeners were not reached');
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      await new Promise<void>((resolve, reject) => {
        session.once('remoteSettings', () => resolve());
        session.once('error', reject);
      });
      assert.equal(session.remoteSettings.initialWindowSize, defaultStreamWindowBytes);
    } finally {
      session.close();
    }
  } finally {
    await server.shutdown(1_000);
  }
});
