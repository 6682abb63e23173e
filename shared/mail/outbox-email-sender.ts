import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { monotonicFactory } from 'ulid';
import type { EmailSender, OutgoingEmail } from './email-sender.ts';
import { composeMime } from './mime.ts';

/** An `EmailSender` that also says which file it wrote. */
export interface OutboxEmailSender extends EmailSender {
  send(message: OutgoingEmail): Promise<{ messageId: string; file: string }>;
}

/**
 * The local sender: every mail becomes a real `.eml` file in `dir` (`DATA_DIR/outbox/`), which any mail
 * client opens. Names are `{ISO time with - for :}-{ULID}.eml`: they sort by sending time (the ULIDs of one
 * process increase even within a millisecond), never collide, and are safe on every filesystem. Each file
 * is written under a dot-name ending in `.tmp` and renamed when complete, so a reader never sees half a mail.
 */
export function outboxEmailSender(dir: string, opts: { now?: () => Date } = {}): OutboxEmailSender {
  const nextId = monotonicFactory();
  return {
    async send(message: OutgoingEmail) {
      const date = opts.now?.() ?? new Date();
      const { raw, messageId } = await composeMime(message, { date });
      const name = `${date.toISOString().replaceAll(':', '-')}-${nextId(date.getTime())}.eml`;
      await mkdir(dir, { recursive: true });
      const file = join(dir, name);
      const temp = join(dir, `.${name}.tmp`);
      try {
        const handle = await open(temp, 'wx');
        try {
          await handle.writeFile(raw);
          await handle.datasync();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { messageId, file };
    },
  };
}
