/** The set-up shared by the notifier's HTTP channel tests (tests only). */

import { afterEach } from 'vitest';
import { createNotifier, type DkronNotifier, type NotifierOptions } from '../index.js';
import { recordingLogger } from './fixtures.js';
import { type HttpPeer, type Reply, startHttpPeer } from './http-peer.js';

/**
 * Registers an `afterEach` that closes the notifier and every peer and clears the log, and returns the
 * helpers: `peer()` starts a recorded HTTP listener, `track()` closes any other peer after the test,
 * `notifierWith()` creates the notifier (node `leader-1`, fast retries) with `options` on top.
 */
export function useNotifierHarness() {
  const peers: { close(): Promise<void> }[] = [];
  let notifier: DkronNotifier | undefined;
  const logger = recordingLogger();

  afterEach(async () => {
    await notifier?.close();
    notifier = undefined;
    await Promise.all(peers.splice(0).map((p) => p.close()));
    logger.lines.length = 0;
  });

  function track<T extends { close(): Promise<void> }>(started: T): T {
    peers.push(started);
    return started;
  }

  return {
    logger,
    track,
    async peer(replies: readonly Reply[] = [], fallback?: Reply): Promise<HttpPeer> {
      return track(await startHttpPeer(replies, fallback));
    },
    notifierWith(options: Partial<NotifierOptions>): DkronNotifier {
      notifier = createNotifier({
        nodeName: 'leader-1',
        logger,
        retry: { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
        fetchTimeoutMs: 2000,
        ...options,
      });
      return notifier;
    },
  };
}
