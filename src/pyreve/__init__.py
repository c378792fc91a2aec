"""pyreve: a self-hosted cloud drive server speaking the Cloudreve v4 API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pyreve")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "4.0.0"
