import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { open } from "../../src/crypto/aead/index.js";
import {
  DAY_MS,
  DecryptError,
  formatPayloadRef,
  KeyRing,
  openPayload,
  parsePayloadRef,
  PayloadSealer,
  PayloadUnreadableError,
  type KekVersion,
} from "../../src/crypto/envelope/index.js";
import { kekFingerprint } from "../../src/crypto/kek/index.js";

const kek = () => randomBytes(32);
const text = (s: string) => Buffer.from(s, "utf8");

function ringFor(k: Buffer, versions: KekVersion[] = [KeyRing.nextVersion([], k)]) {
  return { ring: new KeyRing(versions, [k]), versions };
}

describe("envelope: KEK → ring version → team key → DEK → payload", () => {
  it("round-trips a payload and names its ciphertext in the ref", () => {
    const k = kek();
    const { ring } = ringFor(k);
    const sealer = new PayloadSealer(ring);
    const { payload, newTeamKey, ref } = sealer.seal({
      id: "rec-1",
      team: "red",
      mode: "full",
      plaintext: text("hi"),
    });
    expect(newTeamKey).toBeDefined();
    expect(parsePayloadRef(ref)).toEqual({ id: "rec-1", digest: payload.digest });
    expect(openPayload(ring, payload, newTeamKey, payload.digest).toString()).toBe("hi");
    // No plaintext and no key in what is stored.
    const stored = Buffer.concat([payload.ciphertext, payload.wrappedDek, newTeamKey!.wrapped]);
    expect(stored.includes(text("hi"))).toBe(false);
  });

  it("keeps one team key per team and day, and makes a new one the next day", () => {
    let now = Date.UTC(2025, 0, 1, 12);
    const sealer = new PayloadSealer(ringFor(kek()).ring, () => now);
    const a = sealer.seal({ id: "a", team: "red", mode: "full", plaintext: text("1") });
    const b = sealer.seal({ id: "b", team: "red", mode: "full", plaintext: text("2") });
    const c = sealer.seal({ id: "c", team: "blue", mode: "full", plaintext: text("3") });
    expect(b.newTeamKey).toBeUndefined();
    expect(b.payload.teamKeyId).toBe(a.payload.teamKeyId);
    expect(c.payload.teamKeyId).not.toBe(a.payload.teamKeyId);
    now += DAY_MS;
    const d = sealer.seal({ id: "d", team: "red", mode: "full", plaintext: text("4") });
    expect(d.newTeamKey?.day).toBe(a.newTeamKey!.day + 1);
  });

  it("fails with a wrong KEK", () => {
    const k = kek();
    const { ring, versions } = ringFor(k);
    const { payload, newTeamKey } = new PayloadSealer(ring).seal({
      id: "r",
      team: "t",
      mode: "full",
      plaintext: text("secret"),
    });
    const wrong = new KeyRing(versions, [kek()]);
    expect(wrong.writeVersion).toBeUndefined();
    expect(() => openPayload(wrong, payload, newTeamKey)).toThrow(/locked/);
    // Even a forged ring entry for the wrong KEK (same salt, its fingerprint) cannot unwrap.
    const other = kek();
    const forged = new KeyRing([{ ...versions[0]!, fingerprint: kekFingerprint(other) }], [other]);
    expect(() => openPayload(forged, payload, newTeamKey)).toThrow(DecryptError);
    expect(() => new PayloadSealer(wrong)).toThrow(/no key ring version/);
  });

  it("detects ciphertexts, DEKs and team keys swapped between records, teams or versions", () => {
    const { ring } = ringFor(kek());
    const sealer = new PayloadSealer(ring);
    const one = sealer.seal({ id: "one", team: "red", mode: "full", plaintext: text("first") });
    const two = sealer.seal({ id: "two", team: "red", mode: "full", plaintext: text("second") });
    const blue = sealer.seal({ id: "b", team: "blue", mode: "full", plaintext: text("blue") });
    const key = one.newTeamKey!;
    // Ciphertext of two under one's record.
    expect(() => openPayload(ring, { ...one.payload, ciphertext: two.payload.ciphertext }, key)).toThrow(
      DecryptError,
    );
    // Ciphertext and wrapped DEK both moved: the DEK's context names the record.
    expect(() =>
      openPayload(
        ring,
        { ...one.payload, ciphertext: two.payload.ciphertext, wrappedDek: two.payload.wrappedDek },
        key,
      ),
    ).toThrow(DecryptError);
    // Record moved to another team (row edited), or a mode flipped.
    expect(() => openPayload(ring, { ...one.payload, team: "blue" }, key)).toThrow(DecryptError);
    expect(() => openPayload(ring, { ...one.payload, mode: "redacted" }, key)).toThrow(DecryptError);
    // Another team's key presented under this key's id.
    expect(() => openPayload(ring, one.payload, { ...blue.newTeamKey!, id: key.id })).toThrow(DecryptError);
    // A team key relabelled to another team or day.
    expect(() => openPayload(ring, one.payload, { ...key, team: "blue" })).toThrow(DecryptError);
    expect(() => openPayload(ring, one.payload, { ...key, day: key.day - 1 })).toThrow(DecryptError);
    // The digest in the ref (the audit log's copy) must match the stored ciphertext.
    expect(() => openPayload(ring, one.payload, key, two.payload.digest)).toThrow(PayloadUnreadableError);
    expect(openPayload(ring, two.payload, key, two.payload.digest).toString()).toBe("second");
  });

  it("rotation: new payloads use the new version, old ones stay readable", () => {
    const k = kek();
    const v1 = KeyRing.nextVersion([], k);
    const ring1 = new KeyRing([v1], [k]);
    const sealer = new PayloadSealer(ring1);
    const old = sealer.seal({ id: "old", team: "t", mode: "full", plaintext: text("old") });
    // Same KEK, new version: a new wrapping key.
    const v2 = KeyRing.nextVersion([v1], k);
    const ring2 = new KeyRing([v1, v2], [k]);
    sealer.useRing(ring2);
    const fresh = sealer.seal({ id: "new", team: "t", mode: "full", plaintext: text("new") });
    expect(fresh.newTeamKey?.kekVersion).toBe(2);
    expect(openPayload(ring2, old.payload, old.newTeamKey).toString()).toBe("old");
    expect(openPayload(ring2, fresh.payload, fresh.newTeamKey).toString()).toBe("new");
    // A new KEK: v3. With the old KEK supplied too, everything reads; without it, v1/v2 are locked.
    const k2 = kek();
    const v3 = KeyRing.nextVersion([v1, v2], k2);
    const both = new KeyRing([v1, v2, v3], [k2, k]);
    expect(both.writeVersion).toBe(3);
    expect(openPayload(both, old.payload, old.newTeamKey).toString()).toBe("old");
    const onlyNew = new KeyRing([v1, v2, v3], [k2]);
    expect(onlyNew.locked()).toEqual([1, 2]);
    // Rewrap under v3, then the new KEK alone reads the old payload.
    const rewrapped = both.rewrap(old.newTeamKey!)!;
    expect(rewrapped.kekVersion).toBe(3);
    expect(rewrapped.id).toBe(old.newTeamKey!.id);
    expect(openPayload(onlyNew, old.payload, rewrapped).toString()).toBe("old");
    expect(both.rewrap(rewrapped)).toBeUndefined();
  });

  it("a gateway that lacks the newest KEK keeps writing under the newest version it holds", () => {
    const k = kek();
    const v1 = KeyRing.nextVersion([], k);
    const v2 = KeyRing.nextVersion([v1], kek());
    const ring = new KeyRing([v1, v2], [k]);
    expect(ring.current?.version).toBe(2);
    expect(ring.writeVersion).toBe(1);
  });

  it("crypto-shredding: without the team key or the DEK the payload is gone", () => {
    const { ring } = ringFor(kek());
    const { payload, newTeamKey } = new PayloadSealer(ring).seal({
      id: "x",
      team: "t",
      mode: "full",
      plaintext: text("bye"),
    });
    expect(() => openPayload(ring, payload, undefined)).toThrow(/crypto-shredded/);
    const teamKey = ring.unwrapTeamKey(newTeamKey!);
    expect(() => open(randomBytes(32), payload.wrappedDek, Buffer.alloc(0))).toThrow(DecryptError);
    expect(teamKey).toHaveLength(32);
  });

  it("refs are strict", () => {
    const digest = "A".repeat(43);
    expect(parsePayloadRef(formatPayloadRef("0190-ab", digest))).toEqual({ id: "0190-ab", digest });
    for (const bad of ["", "pl1..", `pl2.x.${digest}`, `pl1.a b.${digest}`, `pl1.x.${digest}x`, "payload/1"])
      expect(parsePayloadRef(bad)).toBeUndefined();
  });
});
