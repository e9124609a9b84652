#!/usr/bin/python3
"""A minimal Vigil request signer (docs/api.md, "Signing requests"), independent of Vigil's code.

    ORIGIN=vigil.demo.example/log /usr/bin/python3 vigil_sign.py KEYFILE METHOD TARGET [BODYFILE]

prints the three headers, one per line, ready for curl:

    export ORIGIN=$(curl -s http://127.0.0.1:8080/v1/log | python3 -c 'import json,sys; print(json.load(sys.stdin)["origin"])')
    H=$(/usr/bin/python3 vigil_sign.py clerk.key GET /v1/entries/1)
    curl -H "$(sed -n 1p <<<"$H")" -H "$(sed -n 2p <<<"$H")" -H "$(sed -n 3p <<<"$H")" \
         http://127.0.0.1:8080/v1/entries/1

TARGET is the path and query exactly as the request line will carry them. ORIGIN (required) is
the origin of the log the request is for (GET /v1/log), which the signature is bound to. Environment:
CREATED (unix seconds) and NONCE override the defaults (now, 24 random URL-safe characters);
SHOW_BASE=1 prints the signature base to stderr. Needs PyNaCl (Debian: python3-nacl).
"""
import base64
import hashlib
import os
import sys
import time

import nacl.signing


def load_seed(path):
    """The 32-byte seed of a Vigil secret key file ("vigil-ed25519-seed-v1 <base64>\\n")."""
    line = open(path, "rb").read().decode().rstrip("\r\n")
    header, b64 = line.split(" ", 1)
    if header != "vigil-ed25519-seed-v1":
        raise SystemExit(path + " is not a Vigil secret key file")
    return base64.b64decode(b64, validate=True)


def key_id(public_key):
    return hashlib.sha256(public_key).digest()[:8].hex()


def sign_request(seed, origin, method, target, body=b"", created=None, nonce=None):
    """Returns (signature base, headers) for one request."""
    sk = nacl.signing.SigningKey(seed)
    kid = key_id(bytes(sk.verify_key))
    created = int(time.time()) if created is None else created
    nonce = nonce or base64.urlsafe_b64encode(os.urandom(18)).decode()  # 24 chars, no '='
    digest = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
    params = ('("@method" "@path" "@query" "content-digest")'
              f';created={created};keyid="{kid}";alg="ed25519";nonce="{nonce}"')
    path, sep, query = target.partition("?")
    query = "?" + query if sep else "?"
    base = ("vigil/v2/request\n" + origin + "\n"
            f'"@method": {method}\n'
            f'"@path": {path}\n'
            f'"@query": {query}\n'
            f'"content-digest": {digest}\n'
            f'"@signature-params": {params}')  # no newline at the end
    sig = sk.sign(base.encode()).signature
    return base, {
        "Content-Digest": digest,
        "Signature-Input": "vigil=" + params,
        "Signature": "vigil=:" + base64.b64encode(sig).decode() + ":",
    }


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    keyfile, method, target = sys.argv[1:4]
    body = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 else b""
    created = int(os.environ["CREATED"]) if "CREATED" in os.environ else None
    if not os.environ.get("ORIGIN"):
        raise SystemExit("set ORIGIN to the log's origin (GET /v1/log), e.g. vigil.demo.example/log")
    base, headers = sign_request(load_seed(keyfile), os.environ["ORIGIN"], method, target, body,
                                 created, os.environ.get("NONCE"))
    if os.environ.get("SHOW_BASE"):
        sys.stderr.write(base + "\n")
    for k, v in headers.items():
        print(f"{k}: {v}")
