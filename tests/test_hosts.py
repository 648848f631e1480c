"""Hosts against real OpenSSH servers on loopback, and the local host.

Every SSH test logs in as root with the session's client key, through ``connect`` and a Fabric
configuration that reads no ~/.ssh file of the machine running the tests.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from shlex import quote

import fabric
import pytest
from servers.sshd import SshdServer, SshdServers, free_port, keygen

from deployment.errors import ConnectionFailed, HostKeyRefused, RemoteCommandFailed
from deployment.hosts import Host, KnownHosts, LocalHost, SshHost, connect
from deployment.remote.commands import in_dir

KnownHostsFile = Callable[..., Path]


def fabric_config(key: Path, ssh_config: Path | None = None) -> fabric.Config:
    """Only ``key`` authenticates (no agent, no ~/.ssh keys); ssh_config is ``ssh_config``."""
    connect_kwargs = {"key_filename": [str(key)], "allow_agent": False, "look_for_keys": False}
    runtime = str(ssh_config) if ssh_config else os.devnull
    return fabric.Config(runtime_ssh_path=runtime, overrides={"connect_kwargs": connect_kwargs})


def ssh_connect(server: SshdServer, known_hosts: KnownHosts, **options: object) -> Host:
    config = fabric_config(server.client_key_path)
    return connect(server.host, port=server.port, known_hosts=known_hosts, config=config, **options)


@pytest.fixture
def ssh_host(sshd_server: SshdServer, known_hosts_file: KnownHostsFile) -> Iterator[SshHost]:
    host = ssh_connect(sshd_server, KnownHosts([known_hosts_file(sshd_server)]))
    assert isinstance(host, SshHost)
    yield host
    host.close()


@pytest.fixture(params=["ssh", "local"])
def any_host(request: pytest.FixtureRequest) -> Iterator[Host]:
    """The same test over SSH and on this machine."""
    if request.param == "local":
        yield LocalHost()
    else:
        yield request.getfixturevalue("ssh_host")


# --- running commands ---


@pytest.mark.integration
def test_run_returns_output_and_exit_code(any_host: Host) -> None:
    result = any_host.run("echo out; echo err >&2; exit 3")

    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert result.command == "echo out; echo err >&2; exit 3"
    assert not result.ok
    assert any_host.run("true").ok


@pytest.mark.integration
def test_stdin_is_fed_then_closed(any_host: Host) -> None:
    assert any_host.run("cat", stdin="secret\nline\n").stdout == "secret\nline\n"
    assert any_host.run("cat", timeout=10).stdout == ""  # end of file at once, no hang


@pytest.mark.integration
def test_timeout_raises_and_the_host_stays_usable(any_host: Host, tmp_path: Path) -> None:
    finished = tmp_path / "finished"
    command = f"sleep 60 && touch {quote(str(finished))}"
    with pytest.raises(RemoteCommandFailed, match=r"timed out after 0\.5s on .*sleep 60"):
        any_host.run(command, timeout=0.5)

    assert not finished.exists()  # it returned while the command still ran
    assert any_host.run("echo still here").stdout == "still here\n"


@pytest.mark.integration
def test_put_and_get_copy_files(any_host: Host, tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("héllo\n")
    source.chmod(0o640)

    any_host.put(source, tmp_path / "on-host.txt")
    any_host.get(tmp_path / "on-host.txt", tmp_path / "back.txt")

    assert (tmp_path / "back.txt").read_text() == "héllo\n"
    assert (tmp_path / "on-host.txt").stat().st_mode & 0o777 == 0o640


@pytest.mark.integration
def test_put_into_a_missing_folder_fails_naming_it(any_host: Host, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")

    with pytest.raises(RemoteCommandFailed, match="missing"):
        any_host.put(tmp_path / "file", tmp_path / "missing" / "file")


def test_connect_local_needs_no_ssh() -> None:
    host = connect("local", known_hosts=KnownHosts([]))

    assert isinstance(host, LocalHost)
    assert host.run("echo $0").stdout == "/bin/bash\n"


# --- hostile values reach the host as one literal word ---


def hostile(marker: Path) -> str:
    command = f"touch {marker}"
    return f"a; {command}\n$({command}) `{command}` 'single' \"double\" \\ * ~ $HOME"


@pytest.mark.integration
def test_hostile_argument_is_printed_literally(any_host: Host, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    result = any_host.run(["printf", "%s", hostile(marker)])

    assert result.stdout == hostile(marker)
    assert not marker.exists()


@pytest.mark.integration
def test_hostile_file_name_is_one_argument(any_host: Host, tmp_path: Path) -> None:
    name = "x; touch pwned\n$(touch pwned) `touch pwned` 'q' \"dq\" *"
    (tmp_path / name).write_text("")

    result = any_host.run(in_dir(str(tmp_path), ["ls", "-d", "--", name]))

    assert result.stdout == name + "\n"
    assert os.listdir(tmp_path) == [name]


# --- one connection, TCP_NODELAY, reconnecting ---


@pytest.mark.integration
def test_one_connection_serves_every_command(ssh_host: SshHost, tmp_path: Path) -> None:
    transport = ssh_host.connection.transport

    seen = {ssh_host.run("echo $SSH_CONNECTION").stdout for _ in range(3)}
    ssh_host.put(__file__, tmp_path / "copy.py")
    ssh_host.get(tmp_path / "copy.py", tmp_path / "back.py")

    assert len(seen) == 1  # the same client address and port each time
    assert ssh_host.connection.transport is transport


@pytest.mark.integration
def test_socket_has_tcp_nodelay(ssh_host: SshHost) -> None:
    sock = ssh_host.connection.transport.sock

    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


@pytest.mark.integration
def test_host_that_drops_fails_then_reconnects(
    sshd_servers: SshdServers, known_hosts_file: KnownHostsFile
) -> None:
    server = sshd_servers.start("127.0.0.3")
    host = ssh_connect(server, KnownHosts([known_hosts_file(server)]))
    assert isinstance(host, SshHost)
    first = host.connection.transport

    server.stop()
    with pytest.raises(ConnectionFailed, match="127.0.0.3"):
        host.run("true")
    server.start()

    assert host.run("echo back").stdout == "back\n"
    assert host.connection.transport is not first
    host.close()


# --- connection failures ---


@pytest.mark.integration
def test_closed_port_raises_connection_failed_naming_the_host(sshd_servers: SshdServers) -> None:
    port = free_port("127.0.0.2")
    config = fabric_config(sshd_servers.client_key_path)

    with pytest.raises(ConnectionFailed, match=rf"127\.0\.0\.2 .*port {port}.*refused") as raised:
        connect("127.0.0.2", port=port, known_hosts=KnownHosts([]), config=config)

    assert raised.value.exit_code == 2
    assert "\n" not in str(raised.value)


@pytest.mark.integration
def test_wrong_key_raises_authentication_failure(
    sshd_server: SshdServer, known_hosts_file: KnownHostsFile, tmp_path: Path
) -> None:
    keygen(tmp_path / "stranger")
    config = fabric_config(tmp_path / "stranger")
    known_hosts = KnownHosts([known_hosts_file(sshd_server)])

    with pytest.raises(ConnectionFailed, match=r"authentication failed for root@\[127\.0\.0\.2\]"):
        connect(sshd_server.host, port=sshd_server.port, known_hosts=known_hosts, config=config)


# --- host keys ---


@pytest.mark.integration
def test_unknown_host_key_is_refused_with_the_line_to_add(
    sshd_server: SshdServer, tmp_path: Path
) -> None:
    known_hosts_path = tmp_path / "known_hosts"
    known_hosts_path.write_text("")

    with pytest.raises(HostKeyRefused) as raised:
        ssh_connect(sshd_server, KnownHosts([known_hosts_path]))

    message = str(raised.value)
    assert message.startswith(f"host key for [127.0.0.2]:{sshd_server.port} is not known; verify")
    assert message.endswith(f"add this line to known_hosts: {sshd_server.host_key_line()}")
    assert raised.value.exit_code == 2
    assert known_hosts_path.read_text() == ""


@pytest.mark.integration
def test_hashed_known_hosts_entries_are_honoured(
    sshd_server: SshdServer, known_hosts_file: KnownHostsFile
) -> None:
    hashed = known_hosts_file(sshd_server, hashed=True)
    assert hashed.read_text().startswith("|1|")

    host = ssh_connect(sshd_server, KnownHosts([hashed]))

    assert host.run("true").ok
    host.close()


@pytest.mark.integration
def test_changed_host_key_is_refused_even_with_accept_new(
    sshd_servers: SshdServers, known_hosts_file: KnownHostsFile
) -> None:
    server = sshd_servers.start("127.0.0.4")
    recorded = known_hosts_file(server)
    server.stop()
    server.new_host_key()
    server.start()
    name = f"[127.0.0.4]:{server.port}"

    for accept_new in (False, True):
        with pytest.raises(HostKeyRefused) as raised:
            ssh_connect(server, KnownHosts([recorded]), accept_new=accept_new)
        message = str(raised.value)
        assert message.startswith(f"host key for {name} CHANGED: possible man-in-the-middle")
        assert f"ssh-keygen -R '{name}' -f {recorded}" in message
    assert recorded.read_text().split()[2] != server.host_key_line().split()[2]


@pytest.mark.integration
def test_accept_new_records_the_key_then_it_is_known(
    sshd_server: SshdServer, tmp_path: Path
) -> None:
    unwritable = tmp_path / "a-file" / "known_hosts"  # its folder is a file: cannot be created
    (tmp_path / "a-file").write_text("")
    known_hosts_path = tmp_path / "known_hosts"
    known_hosts_path.write_text("# ours\nexample.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA")

    host = ssh_connect(sshd_server, KnownHosts([unwritable, known_hosts_path]), accept_new=True)
    host.close()

    lines = known_hosts_path.read_text().splitlines()
    assert lines[-1] == sshd_server.host_key_line()
    assert lines[:2] == ["# ours", "example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA"]
    again = ssh_connect(sshd_server, KnownHosts([known_hosts_path]))
    assert again.run("true").ok
    again.close()


@pytest.mark.integration
def test_a_key_learned_on_first_use_goes_to_its_environment_only(
    sshd_server: SshdServer, tmp_path: Path
) -> None:
    user = tmp_path / "home" / "known_hosts"  # stands for ~/.ssh/known_hosts: every env reads it
    staging = tmp_path / "known_hosts.staging"
    host = ssh_connect(sshd_server, KnownHosts([user], learn_to=staging), accept_new=True)
    host.close()
    assert staging.read_text().splitlines() == [sshd_server.host_key_line()]
    assert not user.exists()
    with pytest.raises(HostKeyRefused, match="not known"):  # production never read staging's
        ssh_connect(sshd_server, KnownHosts([user, tmp_path / "known_hosts.production"]))


@pytest.mark.integration
def test_revoked_key_is_refused(sshd_server: SshdServer, tmp_path: Path) -> None:
    keytype, blob = sshd_server.host_key_line().split()[1:]
    known_hosts_path = tmp_path / "known_hosts"
    known_hosts_path.write_text(f"@revoked * {keytype} {blob}\n")

    with pytest.raises(HostKeyRefused, match="REVOKED"):
        ssh_connect(sshd_server, KnownHosts([known_hosts_path]), accept_new=True)


def test_known_hosts_skips_missing_files_and_odd_lines(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    path.write_text("\n# comment\nnot a key line\n@cert-authority * ssh-ed25519 AAAA\n")

    known_hosts = KnownHosts([tmp_path / "missing", path])

    assert known_hosts.keys.lookup("example.org") is None
    assert known_hosts.files == [tmp_path / "missing", path]


# --- ~/.ssh/config: aliases, User, ProxyJump ---


def write_ssh_config(path: Path, key: Path, *blocks: str) -> Path:
    path.write_text("".join(blocks) + f"Host *\n    IdentityFile {key}\n")
    return path


@pytest.mark.integration
def test_ssh_config_alias_user_and_port_apply(
    sshd_server: SshdServer, known_hosts_file: KnownHostsFile, tmp_path: Path
) -> None:
    alias = f"Host web1\n    HostName 127.0.0.2\n    Port {sshd_server.port}\n    User root\n"
    ssh_config = write_ssh_config(tmp_path / "config", sshd_server.client_key_path, alias)
    config = fabric.Config(runtime_ssh_path=str(ssh_config))
    known_hosts = KnownHosts([known_hosts_file(sshd_server)])

    host = connect("web1", user="nobody", known_hosts=known_hosts, config=config)

    assert host.name == "web1"
    assert host.run("whoami").stdout == "root\n"  # ssh_config's User wins over the inventory's
    host.close()
    with pytest.raises(HostKeyRefused, match=r"^host key for web1 \(\[127\.0\.0\.2\]:\d+\)"):
        connect("web1", known_hosts=KnownHosts([]), config=config)


@pytest.fixture(scope="module")
def jump_pair(sshd_servers: SshdServers) -> tuple[SshdServer, SshdServer]:
    """A jump host on 127.0.0.5 and a host behind it on 127.0.0.6."""
    return sshd_servers.start("127.0.0.5"), sshd_servers.start("127.0.0.6")


def jump_config(pair: tuple[SshdServer, SshdServer], tmp_path: Path) -> fabric.Config:
    jump, behind = pair
    block = (
        f"Host behind\n    HostName {behind.host}\n    Port {behind.port}\n"
        f"    ProxyJump root@{jump.host}:{jump.port}\n"
    )
    path = write_ssh_config(tmp_path / "config", behind.client_key_path, block)
    return fabric.Config(runtime_ssh_path=str(path))


@pytest.mark.integration
def test_proxyjump_is_used_and_both_keys_are_checked(
    jump_pair: tuple[SshdServer, SshdServer], known_hosts_file: KnownHostsFile, tmp_path: Path
) -> None:
    jump, behind = jump_pair
    config = jump_config(jump_pair, tmp_path)

    host = connect(
        "behind", known_hosts=KnownHosts([known_hosts_file(jump, behind)]), config=config
    )
    assert isinstance(host, SshHost)

    assert host.run("echo through").stdout == "through\n"
    assert not isinstance(host.connection.transport.sock, socket.socket)  # a channel of the jump
    host.close()
    with pytest.raises(HostKeyRefused, match=rf"host key for \[127\.0\.0\.5\]:{jump.port} is not"):
        connect("behind", known_hosts=KnownHosts([known_hosts_file(behind)]), config=config)


@pytest.mark.integration
def test_proxyjump_down_raises_connection_failed(
    jump_pair: tuple[SshdServer, SshdServer], known_hosts_file: KnownHostsFile, tmp_path: Path
) -> None:
    jump, behind = jump_pair
    known_hosts = KnownHosts([known_hosts_file(jump, behind)])
    jump.stop()
    try:
        with pytest.raises(ConnectionFailed, match=r"^cannot connect to behind .* through "):
            connect("behind", known_hosts=known_hosts, config=jump_config(jump_pair, tmp_path))
    finally:
        jump.start()
