#!/usr/bin/python3
"""Checks the test vector of docs/formats.md (docs/examples/vector.json) with nothing but
hashlib and PyNaCl (Debian: python3-nacl), i.e. independently of Vigil's C++ code.

    /usr/bin/python3 docs/examples/check_vector.py [vector.json]

Each line printed is one rule of docs/formats.md that held; the first rule that fails stops
the script with an AssertionError naming it.
"""
import base64
import hashlib
import json
import os
import sys

import nacl.exceptions
import nacl.signing

b64d = lambda s: base64.b64decode(s, validate=True)
b64e = lambda b: base64.b64encode(b).decode()
sha256 = lambda b: hashlib.sha256(b).digest()


def ok(what):
    print("ok:", what)


def key_id(public_key):                      # formats.md section 2
    return sha256(public_key)[:8].hex()


def leaf_hash(entry):                        # section 8.1
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def parse_verifier_key(vkey):                # section 9.2
    name, hash_hex, typed_b64 = vkey.split("+", 2)
    typed = b64d(typed_b64)
    assert typed[0] == 0x01 and len(typed) == 33, "verifier key: type 0x01 + 32-byte key"
    pub = typed[1:]
    want = sha256(name.encode() + b"\n" + b"\x01" + pub)[:4]
    assert want.hex() == hash_hex, "verifier key: key hash"
    return name, want, pub


def open_checkpoint(note, name, khash, pub):  # sections 9.1 and 9.3
    text, sigs = note.encode().rsplit(b"\n\n", 1)
    text += b"\n"
    lines = sigs.decode().splitlines()
    prefix = "\u2014 " + name + " "
    mine = [l for l in lines if l.startswith(prefix)]
    assert mine, "checkpoint: a signature line by the log"
    blob = b64d(mine[0][len(prefix):])
    assert blob[:4] == khash and len(blob) == 68, "checkpoint: key hash || 64-byte signature"
    nacl.signing.VerifyKey(pub).verify(text, blob[4:])
    origin, size, root = text.decode().split("\n")[:3]
    assert origin == name, "checkpoint: origin is the key name"
    return int(size), b64d(root)


def verify_inclusion(index, size, leaf, proof, root):  # RFC 9162 section 2.1.3.2
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        assert sn != 0
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    assert sn == 0 and r == root, "inclusion proof leads to the root"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "vector.json")
    v = json.load(open(path, encoding="utf-8"))

    name, khash, log_pub = parse_verifier_key(v["verifier_key"])
    assert b64e(log_pub) == v["log_public_key"]
    ok("verifier key %s: key hash %s = SHA-256(name || 0x0A || 0x01 || key)[:4]" % (name, khash.hex()))

    origin = v["origin"]                     # section 4: every participant signature names it
    assert origin == name, "origin is the verifier key's name"
    entry_prefix = b"vigil/v2/entry\n" + origin.encode() + b"\n"
    request_prefix = "vigil/v2/request\n" + origin + "\n"

    auth_pub = b64d(v["authority_public_key"])
    assert key_id(auth_pub) == v["authority_key_id"]
    ok("authority key id %s = hex(SHA-256(public key)[:8])" % v["authority_key_id"])

    e0 = b64d(v["entry0_base64"])
    e1 = b64d(v["entry1_base64"])
    l0, l1 = leaf_hash(e0), leaf_hash(e1)
    assert b64e(l0) == v["entry0_leaf_hash"] and b64e(l1) == v["entry1_leaf_hash"]
    ok("leaf hashes = SHA-256(0x00 || entry bytes): %s, %s" % (b64e(l0), b64e(l1)))

    j0, j1 = json.loads(e0), json.loads(e1)
    assert list(j0) == ["v", "seq", "ts", "prev", "signer", "payload", "sig"], "field order"
    assert j0["prev"] == b64e(bytes(32)) and j1["prev"] == b64e(l0), "hash chain"
    ok("entry 0 prev = 32 zero bytes; entry 1 prev = leaf hash of entry 0")

    # The entry is rebuilt byte for byte from its fields (formats.md section 5.2).
    def encode(j):
        s = lambda x: json.dumps(x, ensure_ascii=False)
        out = '{"v":1,"seq":%d,"ts":"%s","prev":"%s","signer":%s,"payload":%s,"sig":"%s"' % (
            j["seq"], j["ts"], j["prev"], s(j["signer"]), s(j["payload"]), j["sig"])
        if "cosigners" in j:
            out += ',"cosigners":[' + ",".join(
                '{"signer":%s,"sig":"%s"}' % (s(c["signer"]), c["sig"]) for c in j["cosigners"]) + "]"
        return (out + "}").encode()
    assert encode(j0) == e0 and encode(j1) == e1, "canonical encoding"
    ok("entries re-encode to exactly their stored bytes")

    for j in (j0, j1):
        nacl.signing.VerifyKey(auth_pub).verify(entry_prefix + j["payload"].encode(), b64d(j["sig"]))
    ok("entry signatures verify over 'vigil/v2/entry\\n' || origin || '\\n' || payload bytes")
    for other in (b"vigil/v1/entry\n", b"vigil/v2/entry\nanother.example/log\n"):
        try:
            nacl.signing.VerifyKey(auth_pub).verify(other + j0["payload"].encode(), b64d(j0["sig"]))
        except nacl.exceptions.BadSignatureError:
            continue
        raise AssertionError("an entry signature verifies without this log's origin")
    ok("entry signatures do not verify with the v1 context or another origin")

    p0 = json.loads(j0["payload"])
    assert p0["type"] == "participant.register" and p0["role"] == "authority"
    assert p0["participant"] == p0["actor"] and v["authority_public_key"] in p0["keys"]
    ok("entry 0 is the genesis: the first authority registers itself with its own key")

    size, root = open_checkpoint(v["checkpoint_size1"], name, khash, log_pub)
    assert size == 1 and root == l0
    ok("checkpoint at size 1 verifies; its root is entry 0's leaf hash")

    r = v["receipt_entry1"]
    size, root = open_checkpoint(r["checkpoint"], name, khash, log_pub)
    assert size == 2 and root == node_hash(l0, l1)
    verify_inclusion(r["seq"], size, b64d(r["leaf_hash"]), [b64d(h) for h in r["inclusion"]], root)
    ok("receipt of entry 1: checkpoint at size 2, root = SHA-256(0x01 || leaf0 || leaf1), proof ok")

    q = v["request"]
    seed = b64d(q["secret_key_file"].rstrip("\n").split(" ", 1)[1])
    sk = nacl.signing.SigningKey(seed)
    assert b64e(bytes(sk.verify_key)) == q["public_key"] and key_id(bytes(sk.verify_key)) == q["key_id"]
    digest = "sha-256=:" + b64e(sha256(q["body"].encode())) + ":"

    def signed(target, created, nonce):      # api.md, "The signature base"
        params = ('("@method" "@path" "@query" "content-digest");created=%d;keyid="%s";'
                  'alg="ed25519";nonce="%s"' % (created, q["key_id"], nonce))
        path, sep, query = target.partition("?")
        base = (request_prefix + '"@method": %s\n' % q["method"] + '"@path": %s\n' % path +
                '"@query": %s\n' % ("?" + query if sep else "?") +
                '"content-digest": %s\n' % digest + '"@signature-params": %s' % params)
        return base, params, "vigil=:" + b64e(sk.sign(base.encode()).signature) + ":"

    base, params, signature = signed(q["target"], q["created"], q["nonce"])
    assert base == q["signature_base"], "request signature base"
    assert q["headers"]["Signature"] == signature
    assert q["headers"]["Signature-Input"] == "vigil=" + params
    assert q["headers"]["Content-Digest"] == digest
    ok("request signature: base (%d bytes, 'vigil/v2/request\\n' || origin || '\\n' || ...) "
       "and headers rebuilt byte for byte" % len(base.encode()))

    for a in q.get("also_signed", []):
        assert signed(a["target"], a["created"], a["nonce"])[2] == a["Signature"], a["target"]
    ok("%d more request signatures rebuilt byte for byte" % len(q.get("also_signed", [])))


if __name__ == "__main__":
    main()
