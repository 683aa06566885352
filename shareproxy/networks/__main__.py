"""``python -m shareproxy.networks``: print the README's Networks table."""

import sys

from .reference import reference_markdown

sys.stdout.write(reference_markdown())
