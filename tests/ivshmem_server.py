"""A minimal ivshmem server, for starting guests with an ivshmem-doorbell in real QEMU.

QEMU's ivshmem-doorbell reads its shared memory from the server while the device is
realized, so QEMU does not start without one. Debian ships no ivshmem-server binary; this
speaks the protocol of QEMU's docs/specs/ivshmem-spec.txt ("The ivshmem Client-Server
Protocol"): to each client, 8-byte little-endian numbers, some with a file descriptor:

1. the protocol version, 0;
2. the client's ID;
3. -1 with the shared memory's descriptor;
5. the client's own ID once per interrupt vector, each with an eventfd.

Peers (step 4 and 6) are not needed for a device to start, and are not sent.
"""
from __future__ import annotations

import array
import os
import socket
import struct
import threading
from typing import List


class IvshmemServer:
    """Serves one UNIX socket at `path` until stop(); `size` bytes of memory (a power of
    two), `vectors` eventfds per client."""

    def __init__(self, path: str, size: int = 4 << 20, vectors: int = 1) -> None:
        self.path, self.vectors = path, vectors
        self.memfd = os.memfd_create("virtc-ivshmem")
        os.ftruncate(self.memfd, size)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.clients: List[socket.socket] = []
        self.fds: List[int] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        next_id = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return                          # stop() closed the socket
            self.clients.append(conn)
            try:
                self._send(conn, 0)
                self._send(conn, next_id)
                self._send(conn, -1, self.memfd)
                for _ in range(self.vectors):
                    fd = os.eventfd(0)
                    self.fds.append(fd)
                    self._send(conn, next_id, fd)
            except OSError:
                pass
            next_id += 1

    @staticmethod
    def _send(conn: socket.socket, number: int, fd: int = -1) -> None:
        data = struct.pack("<q", number)
        if fd < 0:
            conn.sendall(data)
        else:
            conn.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   array.array("i", [fd]))])

    def stop(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)     # wakes the accept() in _serve
        except OSError:
            pass
        self.sock.close()
        for conn in self.clients:
            conn.close()
        for fd in [self.memfd, *self.fds]:
            os.close(fd)
        self.thread.join(timeout=5)
        if os.path.exists(self.path):
            os.unlink(self.path)
