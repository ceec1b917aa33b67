/** `amqp://user:secret@host` → `amqp://user:***@host`, and every other copy of the password removed. */
export function redactor(url: string): (text: string) => string {
  const m = /^[a-z]+:\/\/[^:@/\s]*:([^@/\s]+)@/i.exec(url);
  const secrets = m?.[1] ? [m[1], safeDecode(m[1])] : [];
  return (text) => {
    let out = text.replace(/([a-z]+:\/\/[^:@/\s]*:)[^@/\s]*@/gi, '$1***@');
    for (const s of secrets) if (s !== '') out = out.split(s).join('***');
    return out;
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
