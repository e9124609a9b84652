// The two primitives the web page needs to open a passphrase-protected key file
// (docs/formats.md "Key files"); WebCrypto has neither.
export { argon2idAsync } from '@noble/hashes/argon2.js';
export { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
