"""Fetching what records reference by URL: mask PNGs (Labelbox ``instanceURI``, Segments bitmaps) and
sample images whose size the hub reads.

The server fetches on the uploader's behalf, so this is an SSRF surface. The rules:

- only ``http``/``https`` URLs whose host is in ``allowed_hosts`` (exact, or ``*.example.com`` for
  sub-domains); the default allows none;
- every address the host resolves to must be public — private, loopback, link-local, reserved and
  multicast addresses are refused unless ``allow_private`` — and the connection goes to the address
  that was checked (no second DNS lookup an attacker could answer differently);
- redirects are followed by hand, each hop checked the same way, at most ``max_redirects``;
- the body is read in chunks and abandoned past ``max_bytes``; the image header is read before any
  pixel and more than ``max_pixels`` pixels is refused (a decompression bomb).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from predhub.formats.raster import png_size

__all__ = ["FetchError", "FetchPolicy", "MaskFetcher", "fetch_mask", "fetch_url"]

Resolver = Callable[[str, int], list[str]]


class FetchError(ValueError):
    """A mask URL that may not or could not be fetched; the message says which rule."""


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    allow_private: bool = False
    max_bytes: int = 32 * 1024 * 1024
    max_pixels: int = 100_000_000
    max_redirects: int = 3
    timeout: float = 10.0

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in self.allowed_hosts)


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def _check(url: str, policy: FetchPolicy, resolve: Resolver) -> tuple[str, str, int, str]:
    """(scheme, host, port, pinned address) of a URL the policy allows, or FetchError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs are fetched")
    host = parts.hostname or ""
    if not host or not policy.host_allowed(host):
        raise FetchError(f"{url}: host {host!r} is not in the allowed hosts")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except OSError as exc:
        raise FetchError(f"{url}: cannot resolve {host!r}: {exc}") from exc
    if not addresses:
        raise FetchError(f"{url}: {host!r} resolves to no address")
    if not policy.allow_private:
        private = [a for a in addresses if not _public(a)]
        if private:
            raise FetchError(f"{url}: {host!r} resolves to a private or loopback address ({private[0]})")
    return parts.scheme, host, port, addresses[0]


def fetch_mask(
    url: str,
    policy: FetchPolicy,
    *,
    client: httpx.Client | None = None,
    resolve: Resolver = _resolve,
) -> bytes:
    """The bytes of the PNG at ``url``, checked against ``policy`` (its pixel count included)."""
    data = fetch_url(url, policy, client=client, resolve=resolve)
    try:
        width, height = png_size(data, url)
    except ValueError as exc:
        raise FetchError(str(exc)) from exc
    if width * height > policy.max_pixels:
        raise FetchError(f"{url}: {width}x{height} pixels exceeds the limit of {policy.max_pixels}")
    return data


def fetch_url(
    url: str,
    policy: FetchPolicy,
    *,
    client: httpx.Client | None = None,
    resolve: Resolver = _resolve,
) -> bytes:
    """The bytes at ``url``, fetched under ``policy``'s host, address, redirect and size rules;
    raises :class:`FetchError` naming the rule that refused it."""
    own = client is None
    http = client or httpx.Client(timeout=policy.timeout, follow_redirects=False)
    try:
        for _ in range(policy.max_redirects + 1):
            scheme, host, port, address = _check(url, policy, resolve)
            parts = urlsplit(url)
            netloc = f"[{address}]" if ":" in address else address
            pinned = parts._replace(netloc=f"{netloc}:{port}").geturl()
            # Connect to the checked address; keep the name for the Host header and TLS (SNI, cert).
            headers = {"Host": parts.netloc.rsplit("@", 1)[-1]}
            extensions = {"sni_hostname": host} if scheme == "https" else {}
            with http.stream("GET", pinned, headers=headers, extensions=extensions) as response:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"{url}: redirect without a location")
                    url = urljoin(url, location)
                    continue
                if response.status_code != 200:
                    raise FetchError(f"{url}: HTTP {response.status_code}")
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
                    raise FetchError(f"{url}: {declared} bytes exceeds the limit of {policy.max_bytes}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > policy.max_bytes:
                        raise FetchError(f"{url}: more than {policy.max_bytes} bytes")
            return bytes(body)
        raise FetchError(f"{url}: more than {policy.max_redirects} redirects")
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {exc}") from exc
    finally:
        if own:
            http.close()


class MaskFetcher(Mapping[str, bytes]):
    """URL -> PNG bytes, fetched on first use under ``policy``: what the server passes as
    ``ImportOptions.masks``, so converters stay pure (they only look a URL up). Keeps the last few
    images, since a Labelbox composite PNG is named by one line per instance colour."""

    def __init__(self, policy: FetchPolicy, keep: int = 8, client: httpx.Client | None = None) -> None:
        self.policy = policy
        self.keep = keep
        self._client = client
        self._cache: OrderedDict[str, bytes] = OrderedDict()

    def __getitem__(self, url: str) -> bytes:
        if url in self._cache:
            self._cache.move_to_end(url)
            return self._cache[url]
        data = fetch_mask(url, self.policy, client=self._client)
        self._cache[url] = data
        while len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return data

    def get(self, url: str, default: bytes | None = None) -> bytes | None:  # type: ignore[override]
        # A refused or failed fetch is the record's error (FetchError), not a missing key.
        return self[url]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)
