"""The API's JSON parser: DRF's, with JSON nested too deep for Python's parser (a RecursionError,
not a ValueError) and text that is not text (an unpaired surrogate) refused as any other malformed
body (400), never a 500."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JsonParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            # An unpaired surrogate (\ud800) is JSON but not text: an answer that repeats it
            # (an invalid choice, an unknown field's name) could not be written.
            json.dumps(data, ensure_ascii=False).encode()
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - an unpaired surrogate is not text.") from None
        return data
