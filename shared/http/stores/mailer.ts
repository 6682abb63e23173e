import { config } from '../../config.ts';
import { sesClient } from '../../clients/ses.ts';
import { logger } from '../../logger.ts';
import { outboxEmailSender } from '../../mail/outbox-email-sender.ts';
import { sesEmailSender } from '../../mail/ses-email-sender.ts';
import { confirmationMailer } from '../../mail/confirmation-mailer.ts';
import type { ConfirmationMailer } from '../../events/ingest.ts';

let mail: { mailer: ConfirmationMailer | undefined } | undefined;

/**
 * The double opt-in mailer for this process: `.eml` files in MAIL_OUTBOX_DIR locally, Amazon SES where
 * MAIL_FROM is set (CDK sets it on the function that captures events). Neither: no mail, said once.
 */
export function mailer(): ConfirmationMailer | undefined {
  if (!mail) {
    const { MAIL_OUTBOX_DIR, MAIL_FROM } = config();
    const sender = MAIL_OUTBOX_DIR ? outboxEmailSender(MAIL_OUTBOX_DIR) : MAIL_FROM ? sesEmailSender(sesClient(), { from: MAIL_FROM }) : undefined;
    if (!sender) logger.warn('no mail is sent: set MAIL_FROM (SES) or MAIL_OUTBOX_DIR (local .eml files)');
    mail = { mailer: sender ? confirmationMailer(sender, MAIL_FROM ?? 'no-reply@clientela.local') : undefined };
  }
  return mail.mailer;
}
