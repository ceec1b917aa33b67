/** The SMTP client (nodemailer), configured the way Dkron's mailer behaves. */

import { createTransport, type SMTPTransportOptions } from 'nodemailer';
import type { MailOptions } from '../options.js';

/** One message. */
export interface MailMessage {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

/** Sends messages through one SMTP server. */
export interface Mailer {
  /** Resolves with the recipients the server refused (the others received the message). */
  send(message: MailMessage): Promise<readonly string[]>;
  close(): void;
}

/** A mailer for `options`; every message opens its own connection, as Dkron's does. */
export function createMailer(options: MailOptions, timeoutMs: number): Mailer {
  const { username, password } = options;
  const config: SMTPTransportOptions = {
    host: options.host,
    port: options.port,
    // Port 465 is implicit TLS (Dkron cannot talk to it); elsewhere STARTTLS is used when offered.
    secure: options.port === 465,
    // The per-attempt limit bounds every phase, so a silent server never holds a send open.
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
  if (username && password) {
    // Dkron uses Go's smtp.PlainAuth; PLAIN is also what every server offering AUTH understands.
    config.auth = { user: username, pass: password };
    config.authMethod = 'PLAIN';
  }
  const transport = createTransport(config);
  return {
    async send(message) {
      const info = await transport.sendMail({
        from: options.from,
        to: [...message.to],
        subject: message.subject,
        text: message.text,
      });
      return info.rejected;
    },
    close() {
      transport.close();
    },
  };
}
