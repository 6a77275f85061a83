/**
 * A private room's join password, kept only as a salted PBKDF2 hash made with
 * WebCrypto (workerd and Node both have `crypto.subtle`), and compared in
 * constant time. Nothing here keeps the password itself: a room's storage,
 * logs and summaries never hold more than the hash and its salt.
 */
import * as v from "valibot";

/**
 * PBKDF2-SHA-256 iterations. 100,000 is the most workerd's WebCrypto allows
 * (it refuses larger counts), below OWASP's 600,000 for SHA-256: the room
 * password guards a game against passers-by, not a bank, and each new joiner
 * pays this once (about 30-60 ms of CPU), which the per-address try limit
 * keeps an attacker from multiplying.
 */
export const PASSWORD_HASH_ITERATIONS = 100_000;
/** A random salt per room: the same password gives every room a different hash. */
export const PASSWORD_SALT_BYTES = 16;
/** SHA-256's output: longer derived keys add nothing but work. */
const PASSWORD_HASH_BYTES = 32;

const Base64 = v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]+=*$/));

/** The hash as stored: the algorithm and its count with it, so a later change can tell old hashes apart. */
export const StoredPasswordSchema = v.object({
  algorithm: v.literal("PBKDF2-SHA-256"),
  iterations: v.pipe(v.number(), v.integer(), v.minValue(1)),
  salt: Base64,
  hash: Base64,
});
export type StoredPassword = v.InferOutput<typeof StoredPasswordSchema>;

const utf8 = new TextEncoder();

/** Hashes `password` under a fresh random salt. */
export async function hashPassword(password: string, iterations = PASSWORD_HASH_ITERATIONS): Promise<StoredPassword> {
  const salt = crypto.getRandomValues(new Uint8Array(PASSWORD_SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return { algorithm: "PBKDF2-SHA-256", iterations, salt: toBase64(salt), hash: toBase64(hash) };
}

/** Whether `password` is the one `stored` was made from; the comparison takes the same time wherever the bytes differ. */
export async function verifyPassword(password: string, stored: StoredPassword): Promise<boolean> {
  const candidate = await derive(password, fromBase64(stored.salt), stored.iterations);
  return constantTimeEqual(candidate, fromBase64(stored.hash));
}

/** Equal bytes, looked at in full whatever they hold: no early exit tells an attacker how many bytes matched. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < Math.max(a.length, b.length); index++) difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(password.normalize("NFC")), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, PASSWORD_HASH_BYTES * 8);
  return new Uint8Array(bits);
}

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
