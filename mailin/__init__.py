"""The mail-in library: bytes in, plain data out. No Flask, no database."""
