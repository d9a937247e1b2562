"""Files in and out, safely: every output file and every input file goes through here.

Writing (:func:`write_output`, :func:`write_text`): a regular file (or a new one) is
written to a temporary file beside it and renamed over it, so an interrupted or failed
write (a full disk, Ctrl-C, SIGTERM) leaves the old file and no temporary file.  A
symbolic link is written through: its target is replaced, atomically beside the target,
and the link stays.  A FIFO or a character device (``/dev/null``, ``/dev/stdout``, a
terminal) is streamed to, never replaced.  A directory, block device or socket is
refused.

Reading (:func:`read_input`): only regular files are read (a FIFO would block, a device
such as ``/dev/zero`` never ends), and only up to a size limit.

Public API
----------
write_output(path, produce, *, error=CircuitSpinError) -> Path
    ``produce(fh)`` writes the content to the binary file object ``fh``.
write_text(text, path, *, encoding="ascii", error=CircuitSpinError) -> Path
read_input(path, *, limit, what="a file", error=CircuitSpinError) -> bytes
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import CircuitSpinError


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def write_output(path, produce, *, error=CircuitSpinError) -> Path:
    """Write what ``produce(fh)`` writes to ``path`` (see the module docstring).

    Returns ``path`` as given.  An OS error becomes ``error("PATH: cannot write: ...")``.
    """
    path = Path(path)
    try:
        st = os.stat(path)  # through symbolic links (/dev/stdout -> a pipe, a terminal)
    except FileNotFoundError:  # a new file, or a link to one
        st = None
    except OSError as exc:
        raise error(f"{path}: cannot write: {_reason(exc)}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise error(f"{path}: is a directory")
    if st is not None and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        _stream(path, path, produce, error)
        return path
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: not a regular file, FIFO or character device (refusing to "
                    "replace it)")
    # a regular file: replaced beside what the links name, the links stay
    _atomic(path, Path(os.path.realpath(path)), produce, error)
    return path


def _stream(path: Path, target: Path, produce, error) -> None:
    """Write into an existing FIFO or character device, never replacing it."""
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise error(f"{path}: cannot write: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            produce(fh)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise error(f"{path}: cannot write: {_reason(exc)}") from None


def _atomic(path: Path, target: Path, produce, error) -> None:
    """A temporary file beside ``target``, then a rename over it."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=".tmp")
    except OSError as exc:
        raise error(f"{path}: cannot write: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            produce(fh)
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # the usual mode, not mkstemp's 0600
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise error(f"{path}: cannot write: {_reason(exc)}") from None
    except BaseException:  # Ctrl-C, SIGTERM (the command line raises), a failed producer
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(text: str, path, *, encoding: str = "ascii", error=CircuitSpinError) -> Path:
    """:func:`write_output` of ``text`` (newlines as ``\\n``)."""
    data = text.encode(encoding)
    return write_output(path, lambda fh: fh.write(data), error=error)


def read_input(path, *, limit: int, what: str = "a file", error=CircuitSpinError) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    A missing file, a directory, a FIFO, a device or socket, or a file larger than
    ``limit`` bytes raises ``error`` with one line naming ``path``.
    """
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise error(f"{name}: no such file") from None
    except IsADirectoryError:
        raise error(f"{name}: is a directory, expected {what}") from None
    except OSError as exc:
        raise error(f"{name}: cannot read: {_reason(exc)}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{name}: is a directory, expected {what}")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{name}: not a regular file (a FIFO, device or socket), "
                        f"expected {what}")
        if st.st_size > limit:
            raise error(f"{name}: {st.st_size} bytes, more than the {limit} bytes "
                        f"accepted for {what}")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as fh:
            fd = None
            data = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"{name}: cannot read: {_reason(exc)}") from None
    finally:
        if fd is not None:
            os.close(fd)
    if len(data) > limit:
        raise error(f"{name}: more than the {limit} bytes accepted for {what}")
    return data
