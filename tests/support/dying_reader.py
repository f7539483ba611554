"""A form reader that ends its process at once, as a C library's crash or the memory
killer would: the tests hand it to the read-ahead workers (it must be importable there)."""

import os


def read_all(*args, **kwargs):
    os._exit(70)
