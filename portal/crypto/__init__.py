"""Cryptography primitives: envelope encryption, passphrase hashing, tokens. No Flask."""
