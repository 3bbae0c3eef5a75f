"""A JSON list written to a file as its items come, indented as ``json.dumps(..., indent=2)`` indents it.

:class:`JsonListWriter` lets ``matching match`` write pairs.json a chunk of
pairs at a time: neither the rows of every pair nor the text of them all is
ever held.  Each chunk is encoded by pydantic-core's JSON serializer (the
one FastAPI's responses use here; compiled, about five times faster than
the standard library's indenting encoder, which is pure Python): the same
layout and the same values as one ``json.dumps(items, ensure_ascii=False,
indent=2)``; a number may be spelled differently (``0.00007`` for
``7e-05``), as JSON allows.  NaN and infinities are written as the standard
library writes them.
"""

from __future__ import annotations

from typing import IO, Any, Iterable

import pydantic_core

__all__ = ["JsonListWriter"]


class JsonListWriter:
    """Writes the JSON list of the items given to :meth:`extend`, and a newline, to a text file.

    Examples
    --------
    >>> import io, json
    >>> handle = io.StringIO()
    >>> writer = JsonListWriter(handle)
    >>> writer.extend([{"a": 1}]); writer.extend([[], "x"]); writer.close()
    >>> handle.getvalue() == json.dumps([{"a": 1}, [], "x"], indent=2) + "\\n"
    True
    """

    def __init__(self, handle: IO[str]):
        self.handle, self.count = handle, 0

    def extend(self, items: Iterable[Any]) -> None:
        """Write the next items of the list.

        Raises
        ------
        pydantic_core.PydanticSerializationError
            An item holds a value JSON has no form for (a numpy scalar, a set…).
        """
        chunk = list(items)
        if not chunk:
            return
        text = pydantic_core.to_json(chunk, indent=2, inf_nan_mode="constants").decode("utf-8")
        # "[\n  item,\n  item\n]": the items at the list's indent, without the brackets
        self.handle.write(("[\n" if self.count == 0 else ",\n") + text[2:-2])
        self.count += len(chunk)

    def close(self) -> None:
        """End the list (``[]`` when no item came); the file stays open."""
        self.handle.write("\n]\n" if self.count else "[]\n")
