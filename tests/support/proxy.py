"""A TCP proxy on 127.0.0.1 that can cut its connections: a network failing mid-transfer."""

from __future__ import annotations

import socket
import threading

from tests.support.smtp import free_port


class CuttingProxy:
    """Forwards 127.0.0.1:port to 127.0.0.1:target. Each connection is cut (both ends
    closed) once the server has sent it `cut_after` bytes, for the first `cuts` connections
    that get that far: a connection dying in the middle of a FETCH."""

    def __init__(self, target: int, cut_after: int, cuts: int) -> None:
        self.target = target
        self.cut_after = cut_after
        self.cuts_left = cuts
        self.cuts_made = 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", free_port()))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                cut_after = self.cut_after if self.cuts_left > 0 else None
            threading.Thread(target=self._pipe, args=(client, server, None), daemon=True).start()
            threading.Thread(
                target=self._pipe, args=(server, client, cut_after), daemon=True
            ).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, cut_after: int | None) -> None:
        sent = 0
        try:
            while chunk := source.recv(65536):
                if cut_after is not None and sent + len(chunk) > cut_after:
                    sink.sendall(chunk[: cut_after - sent])
                    self._count_cut()
                    break
                sink.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def _count_cut(self) -> None:
        with self.lock:
            self.cuts_left -= 1
            self.cuts_made += 1

    def close(self) -> None:
        self.listener.close()
