"""Functions of the C library through ctypes, where this platform has them."""

import ctypes
import ctypes.util
from functools import cache


@cache
def _library() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def function(name: str, argtypes: list, restype):
    """Return the C library's ``name`` with its signature, or None where it is missing.

    ctypes releases the GIL for the call, so other threads run meanwhile.
    """
    try:
        found = getattr(_library(), name)
    except (OSError, AttributeError):
        return None
    found.argtypes = argtypes
    found.restype = restype
    return found
