"""pairsync: one shared board between an executive and their assistant, in every tool."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pairsync")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"
