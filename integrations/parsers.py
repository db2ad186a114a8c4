"""The API's JSON parser: DRF's, with JSON nested too deep for Python's parser (a RecursionError,
not a ValueError) refused as any other malformed body (400), never a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JsonParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
