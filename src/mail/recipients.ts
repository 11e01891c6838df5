// Lists of addresses, compared as mail servers compare them in practice: without case.
// nodemailer lower-cases the domain of a refused recipient, and an owner may retype an address
// in capitals.

const mailbox = (address: string) => address.toLowerCase();

/** `addresses` less every one in `removed`. */
export function without(addresses: string[], removed: string[]): string[] {
  const gone = new Set(removed.map(mailbox));
  return addresses.filter((address) => !gone.has(mailbox(address)));
}

/** `a`, then whatever of `b` it lacks. */
export const union = (a: string[], b: string[]) => [...a, ...without(b, a)];

/** The same addresses in the same order. */
export const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((item, i) => mailbox(item) === mailbox(b[i]!));
