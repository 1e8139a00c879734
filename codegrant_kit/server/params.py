"""Reading request parameters the strict way.

RFC 6749 3.1 and 3.2: "Request and response parameters MUST NOT be included
more than once." Values must be UTF-8 (RFC 6749 Appendix B).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from .errors import InvalidRequest

MAX_FIELDS = 64
# characters in a name or value: far above any code, token, URI or password the flow
# sends, so that nothing a request carries makes the server keep kilobytes of it
MAX_VALUE = 8192
MAX_BODY = 64 * 1024 + 4096  # a whole form, whatever its fields


class Params:
    """Parameters of one request: each name at most once, values decoded as UTF-8."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values: dict[str, str] = {}
        self.repeated: set[str] = set()
        for name, value in pairs:
            if name in self._values:
                self.repeated.add(name)
            self._values[name] = value

    @classmethod
    def parse(cls, raw: bytes | str) -> Params:
        """Parse `a=1&b=2`; raise InvalidRequest for bytes that are not UTF-8.

        >>> Params.parse(b"code=x&state=y").get("code")
        'x'
        """
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            # application/x-www-form-urlencoded: `+` is a space, `%XX` a byte of UTF-8
            pairs = parse_qsl(
                text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidRequest(
                "The request could not be read: parameters must be URL-encoded UTF-8 "
                f"and at most {MAX_FIELDS} ({exc.__class__.__name__})."
            ) from None
        for name, value in pairs:
            if len(name) > MAX_VALUE or len(value) > MAX_VALUE:
                raise InvalidRequest(
                    f"Parameter {name[:40]!r} is {max(len(name), len(value))} characters "
                    f"long; names and values may be at most {MAX_VALUE}."
                )
        return cls(pairs)

    def get(self, name: str) -> str | None:
        """The value, or None when absent or empty (RFC 6749 3.1: empty = omitted)."""
        value = self._values.get(name)
        return value if value else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise InvalidRequest(f"Missing '{name}' in the request.")
        return value

    def check_not_repeated(self, *names: str) -> None:
        # RFC 6749 3.1: parameters MUST NOT be included more than once
        bad = sorted(self.repeated.intersection(names) if names else self.repeated)
        if bad:
            raise InvalidRequest(
                f"Parameter '{bad[0]}' appears more than once (RFC 6749 3.1, 3.2)."
            )

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def as_dict(self) -> dict[str, str]:
        return dict(self._values)
