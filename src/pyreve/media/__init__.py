"""Media: thumbnails and metadata extraction for stored files.

Decoding untrusted media happens in a child process with resource limits (``worker.py``, started by
``sandbox.py``); this package knows paths and bytes only, never users, trees or the database. Heavy
libraries (Pillow, mutagen, pypdfium2) are imported where they are used, in that child.
"""
