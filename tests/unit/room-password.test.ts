/**
 * The private room's password hashing (party/room/room-password.ts): the right
 * password verifies, a wrong one does not, every hash has its own salt, and no
 * stored form holds the password.
 */
import { describe, expect, it } from "vitest";
import { PASSWORD_HASH_ITERATIONS, PASSWORD_SALT_BYTES, constantTimeEqual, hashPassword, verifyPassword } from "../../party/room/room-password.ts";

describe("room password", () => {
  it("the right password verifies, a wrong one does not", async () => {
    const stored = await hashPassword("open sesame");
    expect(await verifyPassword("open sesame", stored)).toBe(true);
    expect(await verifyPassword("open sesame!", stored)).toBe(false);
    expect(await verifyPassword("Open sesame", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("the same password in two rooms gets two salts and two hashes", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(atob(a.salt).length).toBe(PASSWORD_SALT_BYTES);
    expect(await verifyPassword("same", b)).toBe(true);
  });

  it("what is stored holds no plaintext, and names its algorithm and count", async () => {
    const password = "correct horse battery staple";
    const stored = await hashPassword(password);
    expect(stored).toMatchObject({ algorithm: "PBKDF2-SHA-256", iterations: PASSWORD_HASH_ITERATIONS });
    const text = JSON.stringify(stored);
    expect(text).not.toContain(password);
    expect(text).not.toContain(btoa(password));
    expect(text).not.toContain("horse");
  });

  it("a password in another normalisation form is the same password", async () => {
    const stored = await hashPassword("caf\u00e9");
    expect(await verifyPassword("cafe\u0301", stored)).toBe(true);
  });

  it("compares bytes in full", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([]), new Uint8Array([]))).toBe(true);
  });
});
