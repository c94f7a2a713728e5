"""Competent national authorities and single points of contact: platform reference data.

Platform administrators keep it (pages, CSV import and export); other packages pick an
addressee from it with :func:`jit.directory.services.addressee`.
"""
